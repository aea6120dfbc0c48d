"""Every service's projection rebuilt from offset 0 equals the live one (checksums)."""

from __future__ import annotations

import re
import time

import httpx
import pytest

from tests.e2e.conftest import RunningNode

SERVICES = ["listener", "validator", "storage", "gateway", "dispatcher"]


def wait_ready(node: RunningNode, service: str, seconds: float = 60) -> None:
    """Ready means dependencies up and every consumer of the service caught up."""
    deadline = time.monotonic() + seconds
    checks: dict[str, str] = {}
    while time.monotonic() < deadline:
        try:
            response = httpx.get(node.service_url(service) + "/readyz", timeout=5)
            checks = response.json()["checks"]
            consumers = [c for name, c in checks.items() if name.startswith("consumer:")]
            # A projection is caught up at lag 0; the dispatcher's retry consumer reports the
            # retries it holds back on purpose instead of a lag, and only needs to be ok.
            settled = all(
                c.startswith("ok") and ("lag" not in c or c.endswith("lag 0")) for c in consumers
            )
            if response.status_code == 200 and settled:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{service} did not catch up: {checks}")


@pytest.mark.parametrize("service", SERVICES)
def test_rebuild_from_the_log_equals_the_live_projection(node: RunningNode, service: str) -> None:
    for upstream in SERVICES:
        wait_ready(node, upstream)
    node.script("stop", service)
    try:
        live = node.pushnode("state-hash", service)
        report = node.pushnode("rebuild", service)
        rebuilt = node.pushnode("state-hash", service)
    finally:
        node.script("start", service)
    replayed = int(re.search(r"from (\d+) records", report).group(1))  # type: ignore[union-attr]
    assert replayed > 0, "nothing was replayed: the test would prove nothing"
    assert re.fullmatch(r"[0-9a-f]{64}", live)
    assert rebuilt == live
