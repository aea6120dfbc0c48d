"""Run a real ProjectionConsumer until it has caught up, then stop it: its errors surface."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from pushnode_shared.infra.consumer import ProjectionConsumer


async def _always() -> bool:
    return True


async def run_until_caught_up(
    runner: ProjectionConsumer, also: Callable[[], Awaitable[bool]] = _always
) -> None:
    """Poll until the consumer is caught up and `also` holds (60 s at most), then stop it."""
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    try:
        async with asyncio.timeout(60):
            while not (runner.caught_up and await also()):
                if task.done():
                    task.result()
                await asyncio.sleep(0.2)
    finally:
        stop.set()
        await task
