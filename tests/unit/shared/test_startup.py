"""A service starts with only what it needs, and says how long each phase of its start took."""

from __future__ import annotations

import asyncio
import subprocess
import sys

from pushnode_shared.infra.startup import StartupClock, until_caught_up

LOAD_STORAGE = """
import sys
from pushnode_shared.cli import load_service, services
load_service(services(), "storage")
print(" ".join(sorted(m for m in ("alembic", "pushnode_gateway", "pushnode_validator",
    "pushnode_listener", "pushnode_dispatcher", "pushnode_storage") if m in sys.modules)))
"""


def test_running_one_service_imports_neither_the_others_nor_alembic() -> None:
    loaded = subprocess.run(
        [sys.executable, "-c", LOAD_STORAGE], capture_output=True, text=True, check=True
    ).stdout.split()
    assert loaded == ["pushnode_storage"]


class Runner:
    def __init__(self) -> None:
        self.joined = asyncio.Event()
        self.first_catch_up = asyncio.Event()


async def test_the_breakdown_waits_for_every_consumer_to_join_and_catch_up() -> None:
    clock = StartupClock()
    clock.mark("imports")
    runners = [Runner(), Runner()]
    report = asyncio.ensure_future(until_caught_up(clock, runners))
    for runner in runners:
        runner.joined.set()
    runners[0].first_catch_up.set()
    for _ in range(20):  # let the report run as far as it can
        await asyncio.sleep(0)
    waiting = not report.done()
    runners[1].first_catch_up.set()
    breakdown = await report
    assert waiting
    assert list(breakdown) == ["imports", "joined", "caught_up", "total"]
    assert breakdown["total"] >= 0
