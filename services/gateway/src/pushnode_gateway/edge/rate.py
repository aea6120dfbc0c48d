"""Rate limits on writes, per client IP and per sender wallet (the `limits` library, in memory).

In memory means per gateway process: with N replicas a client gets up to N times the budget,
which still bounds it; a shared storage (`limits` speaks Redis and memcached) would make the
budget global, at the price of a dependency the node does not otherwise have.
"""

from __future__ import annotations

import math
import re
import time
from typing import Any

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

# The wallet a write names as its author, wherever the SDK's bodies put it.
WRITER_FIELDS = ("sender", "fromDID", "fromCAIP10", "did", "caip10", "wallet", "walletAddress")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
_USER_PATH = re.compile(r"/v2/users/([^/]+)/")


def writer_of(path: str, body: Any) -> str | None:
    """The lower-case address a write claims to come from (body field or /v2/users/{did}/)."""
    claimed: list[Any] = []
    if isinstance(body, dict):
        claimed += [body.get(name) for name in WRITER_FIELDS]
        message = body.get("message")
        if isinstance(message, dict):  # gasless opt-in: {message: {channel, subscriber}}
            claimed.append(message.get("subscriber"))
    match = _USER_PATH.search(path)
    if match:
        claimed.append(match.group(1))
    for value in claimed:
        found: list[str] = _ADDRESS.findall(value) if isinstance(value, str) else []
        if found:
            return found[-1].lower()
    return None


class RateLimits:
    """Moving-window budgets; `retry_after` says how long until the next write is allowed."""

    def __init__(self, per_ip: str, per_wallet: str) -> None:
        self.limiter = MovingWindowRateLimiter(MemoryStorage())
        self.per_ip: list[RateLimitItem] = parse_many(per_ip)
        self.per_wallet: list[RateLimitItem] = parse_many(per_wallet)

    def spend_ip(self, ip: str) -> int | None:
        """Count one write from this IP; seconds to wait when over budget, else None."""
        for item in self.per_ip:
            if not self.limiter.hit(item, "ip", ip):
                return self._retry_after(item, "ip", ip)
        return None

    def wallet_blocked(self, wallet: str) -> int | None:
        """Seconds to wait when this wallet's accepted writes used its budget, else None."""
        for item in self.per_wallet:
            if not self.limiter.test(item, "wallet", wallet):
                return self._retry_after(item, "wallet", wallet)
        return None

    def spend_wallet(self, wallet: str) -> None:
        """Count one accepted write of this wallet."""
        for item in self.per_wallet:
            self.limiter.hit(item, "wallet", wallet)

    def _retry_after(self, item: RateLimitItem, *keys: str) -> int:
        reset_at = self.limiter.get_window_stats(item, *keys).reset_time
        return max(1, math.ceil(reset_at - time.time()))
