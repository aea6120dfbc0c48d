"""What stands between the sender and one provider app: a rate limit and a credentials breaker.

Each provider app (an FCM project, an APNs team key, a VAPID key) gets its own token bucket,
sized under the provider's quota (FCM: 600,000 messages a minute per project), and its own
breaker: the first answer that says the credentials are refused stops that app's sends, the
readiness check and a gauge say so, and one probe goes out per cool-down until a push is
accepted again. Held pushes come back as retryable, so they wait for the fix rather than fail.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from prometheus_client import Gauge

from pushnode_dispatcher.domain import Outcome, PushContent, Pusher, SendOutcome
from pushnode_shared.infra.logging import get_logger

__all__ = ["CREDENTIALS_HELD", "CredentialBreaker", "GuardedPusher", "TokenBucket"]

log = get_logger(__name__)
CREDENTIALS_OK = Gauge(
    "pushnode_dispatcher_credentials_ok",
    "1 while a provider app's credentials are accepted, 0 while its sends are stopped",
    ["provider", "app"],
)
# The error code of a push held back (never sent) because its app's credentials are refused.
CREDENTIALS_HELD = "CREDENTIALS_HELD"


class TokenBucket:
    """`rate` sends a second on average, bursts up to `burst`; callers wait for their token."""

    def __init__(
        self, rate: float, burst: float | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.burst = burst if burst is not None else max(1.0, rate)
        self._clock = clock
        self._tokens = self.burst
        self._stamp = clock()
        self._lock = asyncio.Lock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    async def take(self) -> None:
        """Wait until a send is allowed. FIFO: the lock keeps waiters in arrival order."""
        async with self._lock:
            self._refill()
            if self._tokens < 1:
                await asyncio.sleep((1 - self._tokens) / self.rate)
                self._refill()
            self._tokens -= 1


class CredentialBreaker:
    """Open (sends stopped) from the first refused credential until a probe succeeds."""

    def __init__(
        self,
        provider: str,
        app: str,
        cooldown: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.provider, self.app, self.cooldown = provider, app, cooldown
        self._clock = clock
        self.refused: str | None = None  # the provider's words, while open
        self._next_probe = 0.0
        self._probing = False
        CREDENTIALS_OK.labels(provider, app).set(1)

    @property
    def open(self) -> bool:
        return self.refused is not None

    def admit(self) -> bool:
        """Whether this push may go out: always while closed, one probe per cool-down if open."""
        if self.refused is None:
            return True
        if self._probing or self._clock() < self._next_probe:
            return False
        self._probing = True
        return True

    def wait_left(self) -> float:
        return max(self.cooldown, self._next_probe - self._clock())

    def record(self, outcome: SendOutcome) -> None:
        self._probing = False
        if outcome.kind is Outcome.CREDENTIALS:
            if self.refused is None:
                # The alert: an operator must fix the key; nothing else will.
                log.error(
                    "provider credentials refused; sends to this app stopped",
                    provider=self.provider,
                    app=self.app,
                    reason=outcome.error_code or outcome.detail[:200],
                )
            self.refused = outcome.error_code or outcome.detail[:200] or "refused"
            self._next_probe = self._clock() + self.cooldown
            CREDENTIALS_OK.labels(self.provider, self.app).set(0)
        elif self.refused is not None and outcome.kind is not Outcome.RETRY:
            # Any answer past authentication proves the credentials work again.
            log.warning("provider credentials accepted again", provider=self.provider, app=self.app)
            self.refused = None
            CREDENTIALS_OK.labels(self.provider, self.app).set(1)

    async def check(self) -> tuple[bool, str]:
        """Readiness: not ready while this app's credentials are refused."""
        if self.refused is None:
            return True, "credentials accepted"
        return False, f"credentials refused ({self.refused}); sends of app {self.app} stopped"


class GuardedPusher:
    """A provider app's pusher behind its token bucket and credentials breaker."""

    def __init__(self, pusher: Pusher, bucket: TokenBucket, breaker: CredentialBreaker) -> None:
        self.pusher, self.bucket, self.breaker = pusher, bucket, breaker

    async def push(self, content: PushContent, token: str) -> SendOutcome:
        if not self.breaker.admit():
            return self._held()
        await self.bucket.take()
        outcome = await self.pusher.push(content, token)
        self.breaker.record(outcome)
        if outcome.kind is Outcome.CREDENTIALS:
            # The message is fine: try again once the operator has fixed the credentials.
            return SendOutcome(
                Outcome.CREDENTIALS,
                outcome.detail,
                retry_after=self.breaker.wait_left(),
                http_status=outcome.http_status,
                error_code=outcome.error_code,
            )
        return outcome

    def _held(self) -> SendOutcome:
        detail = f"{self.breaker.provider} credentials refused; sends to this app stopped"
        return SendOutcome(
            Outcome.RETRY,
            detail,
            retry_after=self.breaker.wait_left(),
            error_code=CREDENTIALS_HELD,
        )
