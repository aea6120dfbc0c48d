"""The official SDK finds channels by tag, by Core's verification and by a wallet's
subscriptions, and reads the settings a channel defined on Core, as
tests/sdk/notifications/tags.js calls them."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
from eth_account import Account

from tests.e2e.conftest import RunningNode
from tests.e2e.test_notification_path import CHAIN_ID, RPC, _past, wait_for
from tests.e2e.test_sdk_notifications import SDK_DIR, node_binary, run_script
from tests.support.devchain import deploy_module, fresh_wallet

__all__ = ["node_binary"]  # the fixture
SCRIPT = SDK_DIR / "notifications" / "tags.js"
SETTINGS = "1-1+2-1-5-0-10-1"  # a boolean on by default, a slider 0..10 at 5


def define_settings(deploy: Any, w3: Any, channel_key: str) -> None:
    """What the SDK's `channel.setting([boolean, slider])` sends to Core."""
    fee = deploy.ADD_CHANNEL_MIN_FEES
    deploy.approve_push(w3, channel_key, fee)
    create = deploy.core(w3).functions.createChannelSettings(2, SETTINGS, "Sales+Price", fee)
    deploy.send_tx(w3, channel_key, create)


async def tagged_verified_channel(node: RunningNode, tag: str) -> tuple[str, str]:
    """A channel whose metadata carries `tag`, verified by Core's admin, with Dave subscribed;
    once the gateway shows all of it: (channel, dave)."""
    deploy = deploy_module()
    w3 = deploy.connect(RPC, CHAIN_ID)
    channel_key, dave_key = fresh_wallet(w3, deploy), fresh_wallet(w3, deploy, push=0)
    channel = Account.from_key(channel_key).address
    metadata = {"name": f"Tagged {tag}", "info": "i", "url": "u", "icon": "", "tags": [tag, "w"]}
    async with httpx.AsyncClient(timeout=10) as http:
        upload = await http.post(
            f"{node.gateway}/apis/v1/ipfs/upload", json={"data": json.dumps(metadata)}
        )
        assert upload.status_code == 200, upload.text
        deploy.create_channel(w3, channel_key, f"1+{upload.json()['cid']}".encode())
        deploy.subscribe(w3, dave_key, channel)
        define_settings(deploy, w3, channel_key)
        verify = deploy.core(w3).functions.verifyChannel(channel)
        receipt = deploy.send_tx(w3, deploy.anvil_private_keys()[0], verify)
        await wait_for("the channel on the log", lambda: _past(http, node, receipt["blockNumber"]))

        seen: dict[str, Any] = {}
        dave = Account.from_key(dave_key).address
        url = f"{node.gateway}/apis/v1/channels/eip155:{CHAIN_ID}:{channel}"

        async def folded() -> bool:
            response = await http.get(url)
            found: dict[str, Any] = response.json() if response.status_code == 200 else {}
            seen.update({k: found.get(k) for k in ("verified_status", "channel_settings")})
            # Core subscribes the channel itself and its admin at creation: Dave is a third.
            listed = (await http.get(f"{url}/subscribers", params={"limit": 30})).json()
            seen["subscribers"] = [s["subscriber"] for s in listed.get("subscribers", [])]
            folded = found.get("verified_status") == 1 and dave in seen["subscribers"]
            return folded and found.get("channel_settings") is not None

        try:
            await wait_for("the verified channel with its subscriber", folded)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; the channel showed {seen}") from None
    return channel, dave


async def test_the_sdk_reads_tags_and_narrows_the_channel_list(
    node: RunningNode, node_binary: str
) -> None:
    tag = f"tag{uuid.uuid4().hex[:8]}"
    channel, dave = await tagged_verified_channel(node, tag)
    inputs = {"channel": channel, "tag": tag, "subscriber": dave}
    stdout, stderr, returncode = await run_script(node_binary, inputs, SCRIPT)
    assert returncode == 0, stderr[-3000:]
    line = next(line for line in reversed(stdout.splitlines()) if line.startswith("RESULT "))
    result = json.loads(line[7:])
    me = channel.lower()
    assert result["tags"] == [tag, "w"]
    assert tag in result["allUser"] and result["allPush"] == []
    assert result["searchTags"] == [me]
    assert result["listByTag"] == [me]
    assert me in result["listVerified"]
    assert result["listSubscribed"] == [me]
    assert result["searchByTag"] == [me]
    assert result["details"]["verified_status"] == 1
    # The SDK's getChannel parses channel_settings (parseSettings) into these:
    boolean, slider = result["details"]["channel_settings"]
    assert (boolean["type"], boolean["default"], boolean["description"]) == (1, 1, "Sales")
    assert slider["data"] == {"upper": 10, "lower": 0, "ticker": 1}
    assert (slider["default"], slider["description"]) == (5, "Price")
