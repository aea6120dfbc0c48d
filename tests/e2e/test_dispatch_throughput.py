"""The bench's "dispatch" scenario, small, on the test stack: every device gets its push.

`DISPATCH_BENCH_DEVICES=100000` makes it the full scenario; the figures are written to
`$PUSHNODE_VAR/dispatch-bench.json` either way."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import pytest

from tests.bench import dispatch, harness
from tests.e2e.conftest import RunningNode


@pytest.mark.timeout(1800)  # the full 100,000 takes minutes; the default 2,000 seconds
async def test_one_notification_reaches_every_registered_device(
    node: RunningNode, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = node.var / "fcm" / "service-account.json"
    monkeypatch.setenv("DISPATCHER_FCM_SERVICE_ACCOUNT", str(account))
    count = int(os.environ.get("DISPATCH_BENCH_DEVICES", "2000"))
    rows = await dispatch.scenario(argparse.Namespace(dispatch_devices=count))
    harness.write_json(rows, Path(os.environ.get("PUSHNODE_VAR", "var")) / "dispatch-bench.json")
    assert all(row.value > 0 for row in rows)
