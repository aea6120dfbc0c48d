"""Per-channel token bucket, driven by the times on the log so a replay decides the same way.

Time is the submission's `submitted_at` (stamped by the gateway and carried on the log), never
the validator's clock. Tokens are counted in millionths as integers, so the stored state is
exact in any database and a rebuild reproduces it bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

UNIT = 1_000_000  # one token in the integer count


@dataclass(frozen=True)
class RateLimit:
    """`burst` notifications at once, refilled at `per_second`; burst 0 switches it off."""

    burst: int
    per_second: float

    @property
    def enabled(self) -> bool:
        """A zero burst means no limit."""
        return self.burst > 0


NO_LIMIT = RateLimit(burst=0, per_second=0.0)


@dataclass(frozen=True)
class Bucket:
    """A channel's bucket after its last accepted notification."""

    tokens: int  # in millionths of a token
    at_us: int  # log time of that notification, microseconds since the epoch


def micros(at: datetime) -> int:
    """Microseconds since the epoch, exactly (no float on the way)."""
    delta = at - datetime(1970, 1, 1, tzinfo=at.tzinfo)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def take(bucket: Bucket | None, limit: RateLimit, at: datetime) -> Bucket | None:
    """The bucket after taking one token at `at`, or None when the channel is over its rate.

    A submission stamped earlier than the last one (two gateways, skewed clocks) refills
    nothing rather than draining the bucket backwards.
    """
    now = micros(at)
    if bucket is None:
        tokens, last = limit.burst * UNIT, now
    else:
        elapsed = max(0, now - bucket.at_us)
        refill = int(elapsed * limit.per_second)  # µs x tokens/s = millionths of a token
        tokens, last = min(limit.burst * UNIT, bucket.tokens + refill), max(now, bucket.at_us)
    if tokens < UNIT:
        return None
    return Bucket(tokens=tokens - UNIT, at_us=last)
