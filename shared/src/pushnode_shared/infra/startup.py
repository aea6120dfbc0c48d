"""The start-up breakdown: how long each phase of a service's start took, logged once ready."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


class _Runner(Protocol):
    joined: asyncio.Event
    first_catch_up: asyncio.Event


@dataclass
class StartupClock:
    """Phases in the order they end, each timed from the end of the one before."""

    started: float = field(default_factory=time.monotonic)
    phases: dict[str, float] = field(default_factory=dict)
    last: float = 0.0

    @classmethod
    def since_process_start(cls) -> StartupClock:
        """A clock whose first phase counts from the process's start (interpreter, imports)."""
        return cls(started=time.monotonic() - process_age())

    def __post_init__(self) -> None:
        self.last = max(self.last, self.started)

    def mark(self, phase: str) -> None:
        """End `phase` now."""
        now = time.monotonic()
        self.phases[phase] = round(now - self.last, 3)
        self.last = now

    def breakdown(self) -> dict[str, float]:
        """Each phase's seconds and their total."""
        return {**self.phases, "total": round(self.last - self.started, 3)}


def process_age() -> float:
    """Seconds since this process started, from Linux's /proc; 0 where it cannot be read."""
    try:
        # Field 22 of /proc/self/stat, counted after the command name's closing bracket.
        ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime = time.clock_gettime(time.CLOCK_BOOTTIME)
    except (OSError, IndexError, ValueError, AttributeError):
        return 0.0
    return max(0.0, uptime - ticks / os.sysconf("SC_CLK_TCK"))


async def until_caught_up(clock: StartupClock, runners: Sequence[_Runner]) -> dict[str, float]:
    """Mark `joined` once every consumer has its partitions and `caught_up` once each has
    read them to their end; the breakdown then."""
    await asyncio.gather(*(r.joined.wait() for r in runners))
    clock.mark("joined")
    await asyncio.gather(*(r.first_catch_up.wait() for r in runners))
    clock.mark("caught_up")
    return clock.breakdown()
