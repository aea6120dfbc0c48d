"""A channel created and joined on-chain shows up in the gateway's channel and user reads."""

from __future__ import annotations

from typing import Any

import httpx
from eth_account import Account

from tests.e2e.conftest import RunningNode
from tests.e2e.test_notification_path import CHAIN_ID, RPC, wait_for
from tests.support.devchain import deploy_module, fresh_wallet


async def test_a_channel_made_on_chain_is_readable_with_its_subscriber_and_delegate(
    node: RunningNode,
) -> None:
    deploy = deploy_module()
    w3 = deploy.connect(RPC, CHAIN_ID)
    channel_key, dave_key = fresh_wallet(w3, deploy), fresh_wallet(w3, deploy, push=0)
    channel, dave = (Account.from_key(k).address for k in (channel_key, dave_key))
    deploy.create_channel(w3, channel_key, b"1+bafkreireadapichannel")
    deploy.subscribe(w3, dave_key, channel)
    deploy.add_delegate(w3, channel_key, dave)
    caip = f"eip155:{CHAIN_ID}:{channel}"
    base = node.gateway + "/apis/v1"
    user = f"eip155:{CHAIN_ID}:{dave}"
    async with httpx.AsyncClient(timeout=10) as http:

        async def subscribed() -> bool:
            response = await http.get(f"{base}/users/{user}/subscriptions")
            mine = response.json()["subscriptions"] if response.status_code == 200 else []
            return {"channel": channel, "user_settings": None} in mine

        async def delegates() -> list[str]:
            return list((await http.get(f"{base}/channels/{caip}/delegates")).json()["delegates"])

        await wait_for("dave's subscription", subscribed)
        assert await wait_for("the delegate", delegates) == [f"eip155:{CHAIN_ID}:{dave}"]
        reads = await _reads(http, base, caip, user)

    details = reads["channel"]
    assert (details["channel"], details["activation_status"]) == (channel, 1)
    assert details["ipfshash"] == "bafkreireadapichannel"
    # Core also subscribes the channel itself and the Push admin when it creates a channel.
    subscribers = reads["subscribers"]["subscribers"]
    assert {"subscriber": dave, "settings": None} in subscribers
    assert reads["subscribers"]["itemcount"] == len(subscribers) == details["subscriber_count"]
    assert [d["channel"] for d in reads["delegations"]["delegations"]] == [channel]
    assert reads["channels"]["itemcount"] >= 1
    assert reads["unknown"]["error"]["reason"] == "UNKNOWN_CHANNEL"


async def _reads(http: httpx.AsyncClient, base: str, caip: str, user: str) -> dict[str, Any]:
    """Each read once the projection has caught up; a wallet that is no channel is a 404."""
    unknown = await http.get(f"{base}/channels/{user}")
    assert unknown.status_code == 404
    return {
        "channel": (await http.get(f"{base}/channels/{caip}")).json(),
        "subscribers": (await http.get(f"{base}/channels/{caip}/subscribers")).json(),
        "delegations": (await http.get(f"{base}/users/{user}/delegations")).json(),
        "channels": (await http.get(f"{base}/channels", params={"limit": 50})).json(),
        "unknown": unknown.json(),
    }
