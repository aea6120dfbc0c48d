"""Two apps on one node, two FCM projects at the emulator: each device is pushed with its own
app's service account, one app's refused credentials hold only that app's pushes (readiness
names the app), and no secret of either account reaches the dispatcher's log."""

from __future__ import annotations

import dataclasses
import json
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import RunningNode
from tests.e2e.test_delivery import fcm_fault, notify, register, subscribed_user
from tests.e2e.test_notification_path import _pushes, wait_for
from tests.support.devchain import ROOT

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from devstack.emulators.service_account import make_service_account

DISPATCHER = "http://127.0.0.1:4014"
DISPATCHER_METRICS = "http://127.0.0.1:9414"  # the internal metrics port
APP = "wallet-b"
PROJECT = "pushnode-e2e-b"
DEFAULT_PROJECT = "pushnode-dev"


@dataclasses.dataclass(frozen=True)
class TwoApps:
    node: RunningNode
    account: dict[str, Any]  # app wallet-b's service account, private key and all


@pytest.fixture
def two_apps(node: RunningNode) -> Iterator[TwoApps]:
    """The dispatcher restarted with app wallet-b (a second FCM project) next to the default."""
    path = make_service_account(node.var / "fcm" / "wallet-b.json", node.fcm + "/token", PROJECT)
    account = json.loads(path.read_text())
    added = httpx.post(node.fcm + "/_emulator/accounts", json=account)
    assert added.status_code == 200, added.text
    apps = node.var / "dispatcher-apps.json"
    apps.write_text(json.dumps({"apps": {APP: {"fcm": {"service_account": str(path)}}}}))
    env = {
        "DISPATCHER_APPS_FILE": str(apps),
        "DISPATCHER_CREDENTIALS_PROBE_SECONDS": "2",
        "DISPATCHER_RETRY_BASE_SECONDS": "1",
    }
    running = dataclasses.replace(node, env=node.env | env)
    try:
        running.script("stop", "dispatcher")
        running.script("start", "dispatcher")
        yield TwoApps(running, account)
    finally:  # also when the restart with two apps failed: the node's own dispatcher again
        node.script("stop", "dispatcher")
        node.script("start", "dispatcher")


async def checks(http: httpx.AsyncClient) -> dict[str, str]:
    checks: dict[str, str] = (await http.get(DISPATCHER + "/readyz")).json()["checks"]
    return checks


def secrets_of(account: dict[str, Any]) -> list[str]:
    """What must never be logged: the key id and every line of the private key's body."""
    body = [line for line in account["private_key"].splitlines() if "-----" not in line]
    return [account["private_key_id"], *body]


async def test_each_app_pushes_through_its_own_fcm_project(two_apps: TwoApps) -> None:
    node = two_apps.node
    run = uuid.uuid4().hex[:10]
    phone_a, phone_b = f"e2e-apps-default-{run}", f"e2e-apps-b-{run}"
    async with httpx.AsyncClient(timeout=10) as http:
        deploy, channel_key, user_key = await subscribed_user(http, node)
        await register(http, node, user_key, phone_a, "android")
        await register(http, node, user_key, phone_b, "android", app=APP)
        await notify(http, node, deploy, channel_key, user_key)
        pushed_a = await wait_for("the default app's push", lambda: _pushes(http, node, phone_a))
        pushed_b = await wait_for("wallet-b's push", lambda: _pushes(http, node, phone_b))
        ready = await checks(http)

    assert [p["project"] for p in pushed_a] == [DEFAULT_PROJECT]
    assert [p["project"] for p in pushed_b] == [PROJECT]
    assert ready["credentials:fcm"].startswith("ok")
    assert ready[f"credentials:fcm:{APP}"].startswith("ok")


async def test_one_apps_refused_credentials_hold_only_its_pushes(two_apps: TwoApps) -> None:
    node = two_apps.node
    run = uuid.uuid4().hex[:10]
    phone_a, phone_b = f"e2e-apps-default-{run}", f"e2e-apps-b-{run}"
    refused = {"error": "THIRD_PARTY_AUTH_ERROR", "count": 1000, "project": PROJECT}
    async with httpx.AsyncClient(timeout=10) as http:
        deploy, channel_key, user_key = await subscribed_user(http, node)
        await register(http, node, user_key, phone_a, "android")
        await register(http, node, user_key, phone_b, "android", app=APP)
        await fcm_fault(http, node, **refused)
        await notify(http, node, deploy, channel_key, user_key)

        async def b_refused() -> dict[str, str] | None:
            now = await checks(http)
            return now if now[f"credentials:fcm:{APP}"].startswith("failing") else None

        during = await wait_for("readiness to name the refused app", b_refused, 60)
        pushed_a = await wait_for("the default app's push", lambda: _pushes(http, node, phone_a))
        held_b = await _pushes(http, node, phone_b)
        metrics = (await http.get(DISPATCHER_METRICS + "/metrics")).text
        # The operator fixes wallet-b's key: the next probe is accepted, the held push leaves.
        assert (await http.delete(node.fcm + "/_emulator/faults")).status_code == 200
        pushed_b = await wait_for("wallet-b's held push", lambda: _pushes(http, node, phone_b), 60)
        after = await wait_for("wallet-b accepted again", lambda: _ok(http), 30)

    assert len(pushed_a) == 1 and held_b == []
    assert during["credentials:fcm"].startswith("ok")
    assert APP in during[f"credentials:fcm:{APP}"]
    assert f'pushnode_dispatcher_credentials_ok{{app="{APP}",provider="fcm"}} 0.0' in metrics
    assert f'pushnode_dispatcher_credentials_ok{{app="{DEFAULT_PROJECT}",provider="fcm"}} 1.0' in (
        metrics
    )
    assert [p["project"] for p in pushed_b] == [PROJECT]
    assert after


async def _ok(http: httpx.AsyncClient) -> bool:
    return (await checks(http))[f"credentials:fcm:{APP}"].startswith("ok")


def test_no_secret_of_either_app_reaches_the_log(two_apps: TwoApps) -> None:
    node = two_apps.node
    default = json.loads(Path(node.env["PUSHNODE_VAR"], "fcm", "service-account.json").read_text())
    log = (node.var / "log" / "dispatcher.log").read_text()

    assert "push providers" in log and APP in log  # the log does speak of the apps
    for secret in secrets_of(two_apps.account) + secrets_of(default):
        assert secret not in log
    assert "ya29." not in log  # nor any access token
