"""Read-your-writes for chat: a write waits until the gateway's own projection shows it.

The chat consumers wake the waiting request after their commit (same process: the gateway
runs as one replica, see its README); a slow re-read of the database backs that up, so a
missed wake-up costs latency, never correctness.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")
FALLBACK_POLL_SECONDS = 0.25


class Waiters:
    """asyncio events by key ("message:<id>", "thread:<conversation>", "user:<did>")."""

    def __init__(self) -> None:
        self._events: dict[str, asyncio.Event] = {}
        self._count: dict[str, int] = {}

    async def wake(self, key: str) -> None:
        """Called after a commit that may have made `key` visible."""
        event = self._events.get(key)
        if event is not None:
            event.set()

    async def until(
        self,
        key: str,
        probe: Callable[[], Awaitable[T | None]],
        seconds: float,
        publish: Callable[[], Awaitable[None]],
    ) -> T | None:
        """Publish, then wait until `probe` finds the result (None after `seconds`)."""
        event = self._events.setdefault(key, asyncio.Event())
        self._count[key] = self._count.get(key, 0) + 1
        try:
            await publish()  # after registering: a wake-up can't slip in before the wait
            deadline = time.monotonic() + seconds
            while True:
                event.clear()
                found = await probe()
                remaining = deadline - time.monotonic()
                if found is not None or remaining <= 0:
                    return found
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), min(remaining, FALLBACK_POLL_SECONDS))
        finally:
            self._count[key] -= 1
            if not self._count[key]:
                del self._count[key], self._events[key]
