"""Restart a killed service and measure how long it takes to catch up.

Three moments after the start command: /readyz answers at all (the process has imported its
code and serves HTTP; on a busy machine most of the wait), it answers 200 (the database and the
broker reachable, every consumer assigned and none stuck),
and every consumer reports lag 0 in that answer. Under steady traffic lag 0 may only be seen
between batches, so the last is looked for a little while after ready and may stay unknown.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import subprocess
import time
from dataclasses import dataclass

import httpx

from tests.e2e.conftest import RunningNode

LAG = re.compile(r"lag (-?\d+)")
POLL_SECONDS = 0.1
LAG_ZERO_GRACE_SECONDS = 10.0
GIVE_UP_SECONDS = 300.0


@dataclass(frozen=True)
class CatchUp:
    """Seconds from the start command until the process answers HTTP (imports done), until
    ready, and until every consumer's lag was 0."""

    service: str
    up: float
    ready: float
    lag_zero: float | None

    def describe(self) -> str:
        zero = f"{self.lag_zero:.1f} s" if self.lag_zero is not None else "not seen"
        return (
            f"{self.service}: answering {self.up:.1f} s, ready {self.ready:.1f} s,"
            f" lag 0 {zero} after restart"
        )


def consumer_lags(checks: dict[str, str]) -> list[int]:
    """The lag each consumer check of a /readyz body reports."""
    lags = []
    for name, detail in checks.items():
        found = LAG.search(detail) if name.startswith("consumer:") else None
        if found:
            lags.append(int(found.group(1)))
    return lags


async def restart(node: RunningNode, http: httpx.AsyncClient, service: str) -> CatchUp:
    """Start the service again and poll its /readyz until ready and (if seen) lag 0."""
    url = node.service_url(service) + "/readyz"
    started = time.monotonic()
    starting = asyncio.create_task(asyncio.to_thread(node.script, "start", service))
    up: float | None = None
    ready: float | None = None
    lag_zero: float | None = None
    while lag_zero is None:
        elapsed = time.monotonic() - started
        if ready is not None and elapsed > ready + LAG_ZERO_GRACE_SECONDS:
            break
        # The start command gives up waiting for readiness after 120 s but leaves the
        # service running: a long backlog is slow, not fatal, so keep polling until GIVE_UP.
        assert elapsed < GIVE_UP_SECONDS, f"{service} not ready {elapsed:.0f} s after restart"
        try:
            response = await http.get(url, timeout=2)
        except httpx.TransportError:
            response = None
        if response is not None and up is None:
            up = elapsed
        if response is not None and response.status_code == 200:
            ready = elapsed if ready is None else ready
            lags = consumer_lags(response.json()["checks"])
            if all(lag <= 0 for lag in lags):
                lag_zero = elapsed
        await asyncio.sleep(POLL_SECONDS)
    with contextlib.suppress(subprocess.CalledProcessError):
        await starting
    assert up is not None and ready is not None
    return CatchUp(service, up, ready, lag_zero)
