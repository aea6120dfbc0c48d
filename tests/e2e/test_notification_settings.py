"""A notification sent to a category reaches the inbox, socket and phone of the subscribers
who keep that category on (and, for a slider, chose its value), and nothing of those who do
not; all through the official SDK (tests/sdk/notifications/settings.js): `channel.setting`,
`notification.subscribe(…, {settings})`, `channel.send(…, {payload: {category}})`."""

from __future__ import annotations

import json
import secrets
import uuid
from typing import Any

import httpx

from tests.e2e.conftest import RunningNode
from tests.e2e.test_delivery import register
from tests.e2e.test_notification_path import CHAIN_ID, RPC, _past, _pushes, wait_for
from tests.e2e.test_sdk_notifications import SDK_DIR, node_binary, run_script
from tests.support.devchain import deploy_module, fresh_wallet

__all__ = ["node_binary"]  # the fixture
SCRIPT = SDK_DIR / "notifications" / "settings.js"


async def created_channel(http: httpx.AsyncClient, node: RunningNode) -> str:
    """A fresh channel on Core with PUSH left for its settings, once the node has it: its key."""
    deploy = deploy_module()
    w3 = deploy.connect(RPC, CHAIN_ID)
    key = fresh_wallet(w3, deploy, push=400)
    metadata = {"name": f"Settings {uuid.uuid4().hex[:8]}", "info": "i", "url": "u", "icon": ""}
    upload = await http.post(
        f"{node.gateway}/apis/v1/ipfs/upload", json={"data": json.dumps(metadata)}
    )
    assert upload.status_code == 200, upload.text
    receipt = deploy.create_channel(w3, key, f"1+{upload.json()['cid']}".encode())
    # The SDK approves 50 PUSH x channelUpdateCounter, which is 0 for a channel never
    # updated, and then deposits 50: a dapp's wallet has approved Core before, as here.
    deploy.approve_push(w3, key, deploy.ADD_CHANNEL_MIN_FEES)
    await wait_for("the channel on the log", lambda: _past(http, node, receipt["blockNumber"]))
    return key


def titles(pushes: list[dict[str, Any]]) -> set[str]:
    return {p["message"]["notification"]["title"] for p in pushes}


async def test_a_category_reaches_only_the_subscribers_who_keep_it_on(
    node: RunningNode, node_binary: str
) -> None:
    alice_key, bob_key = ("0x" + secrets.token_hex(32) for _ in range(2))
    phones = {who: f"e2e-settings-{who}-{uuid.uuid4().hex}" for who in ("alice", "bob")}
    async with httpx.AsyncClient(timeout=10) as http:
        channel_key = await created_channel(http, node)
        await register(http, node, alice_key, phones["alice"], "android")
        await register(http, node, bob_key, phones["bob"], "android")
        inputs = {
            "channelKey": channel_key,
            "rpc": RPC,
            "aliceKey": alice_key,
            "bobKey": bob_key,
        }
        stdout, stderr, returncode = await run_script(node_binary, inputs, SCRIPT)
        lines = stdout.splitlines()
        print("\n".join(line for line in lines if not line.startswith("RESULT ")))
        result = json.loads(
            next(line for line in reversed(lines) if line.startswith("RESULT "))[7:]
        )
        failed = [c for c in result["checks"] if not c["ok"]]
        assert failed == [] and returncode == 0, f"{failed}\n{stderr[-3000:]}"

        sent = result["title"]
        # Alice keeps every category on; the targeted send went to Bob alone.
        hers = {sent[k] for k in ("sales", "price", "subset", "plain")}
        got = await wait_for("alice's pushes", lambda: _all(http, node, phones["alice"], hers))
        bobs = await wait_for(
            "bob's push", lambda: _all(http, node, phones["bob"], {sent["plain"]})
        )
    assert titles(got) == hers
    # Bob's categories were judged before the plain send (one channel, one order) and
    # pushed with alice's: by the time she has them all, he would have had his.
    assert titles(bobs) == {sent["plain"]}


async def _all(
    http: httpx.AsyncClient, node: RunningNode, phone: str, wanted: set[str]
) -> list[dict[str, Any]]:
    found = await _pushes(http, node, phone)
    return found if wanted <= titles(found) else []
