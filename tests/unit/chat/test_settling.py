"""A chat write waits for its own projection: woken by the consumer, or found by re-reading."""

from __future__ import annotations

import asyncio
import time

from pushnode_gateway.settling import Waiters


async def test_a_wake_up_answers_at_once() -> None:
    waiters, seen = Waiters(), {"row": None}

    async def publish() -> None:
        async def project() -> None:
            await asyncio.sleep(0.01)
            seen["row"] = "stored"
            await waiters.wake("message:1")

        asyncio.get_running_loop().create_task(project())

    async def probe() -> str | None:
        return seen["row"]

    started = time.monotonic()
    assert await waiters.until("message:1", probe, 5, publish) == "stored"
    assert time.monotonic() - started < 0.2  # well under the fallback re-read interval


async def test_without_a_wake_up_the_re_read_still_finds_it() -> None:
    waiters, calls = Waiters(), []

    async def probe() -> str | None:
        calls.append(1)
        return "stored" if len(calls) > 1 else None

    async def publish() -> None:
        return None

    assert await waiters.until("message:2", probe, 5, publish) == "stored"


async def test_a_write_that_never_shows_gives_none_after_the_timeout() -> None:
    async def probe() -> None:
        return None

    async def publish() -> None:
        return None

    assert await Waiters().until("message:3", probe, 0.05, publish) is None
