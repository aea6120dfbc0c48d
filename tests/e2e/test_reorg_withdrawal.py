"""An on-chain notification whose block a reorg removes is withdrawn: it leaves the wallet's
feed and the channel's history, and the wallet's socket is told (anvil snapshot/revert)."""

from __future__ import annotations

import json
from typing import Any

import httpx
from eth_account import Account
from web3 import Web3

from tests.e2e.conftest import RunningNode
from tests.e2e.test_feed_sockets import connect
from tests.e2e.test_notification_path import CHAIN_ID, RPC, _feeds, wait_for
from tests.support.devchain import deploy_module, fresh_wallet


def rpc(w3: Web3, method: str, *params: Any) -> Any:
    response = w3.provider.make_request(method, list(params))  # type: ignore[arg-type]
    assert not response.get("error"), response
    return response["result"]


async def history(http: httpx.AsyncClient, node: RunningNode, channel: str) -> list[str]:
    url = f"{node.gateway}/apis/v2/channels/eip155:{CHAIN_ID}:{channel}/notifications"
    response = await http.get(url)
    assert response.status_code == 200, response.text
    return [n["message"]["notification"]["title"] for n in response.json()["notifications"]]


def channel_with_subscriber(deploy: Any, w3: Web3) -> tuple[str, str, str]:
    """A fresh channel (its key and address) with Dave subscribed, mined before the reorg."""
    channel_key, dave_key = fresh_wallet(w3, deploy), fresh_wallet(w3, deploy, push=0)
    channel = Account.from_key(channel_key).address
    deploy.create_channel(w3, channel_key, b"1+bafkreireorgchannel")
    deploy.subscribe(w3, dave_key, channel)
    return channel_key, channel, Account.from_key(dave_key).address


def grow_past(w3: Web3, tip: int) -> None:
    """Mine the reverted chain past the old tip: the listener sees a new branch, a reorg."""
    while w3.eth.block_number <= tip + 1:
        rpc(w3, "evm_mine")


async def test_a_reorged_on_chain_notification_is_withdrawn_from_feeds_and_sockets(
    node: RunningNode,
) -> None:
    deploy = deploy_module()
    w3 = deploy.connect(RPC, CHAIN_ID)
    channel_key, channel, dave = channel_with_subscriber(deploy, w3)
    inbox: list[Any] = []
    withdrawn: list[Any] = []
    socket = await connect(
        node,
        f"address=eip155:{CHAIN_ID}:{dave}",
        userFeeds=inbox.append,
        notificationWithdrawn=withdrawn.append,
    )
    payload = {"notification": {"title": "Reorged", "body": "Soon gone"}, "data": {"type": "3"}}
    snapshot = rpc(w3, "evm_snapshot")
    try:
        deploy.send_notification(
            w3, channel_key, channel, dave, ("2+" + json.dumps(payload)).encode()
        )
        tip = w3.eth.block_number
        async with httpx.AsyncClient(timeout=10) as http:
            [item] = await wait_for("dave's inbox", lambda: _feeds(http, node, dave, False), 45)
            assert await history(http, node, channel) == ["Reorged"]
            await wait_for("the live item", lambda: _some(inbox), 30)
    finally:
        rpc(w3, "evm_revert", snapshot)
    grow_past(w3, tip)
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            await wait_for("the withdrawal event", lambda: _some(withdrawn), 45)

            async def gone() -> bool:
                feed = await _feeds(http, node, dave, False)
                return feed == [] and await history(http, node, channel) == []

            await wait_for("the feed and the history without it", gone, 30)
    finally:
        await socket.disconnect()
    assert [(w["sid"], w["reason"]) for w in withdrawn] == [(item["sid"], "reorg")]
    assert [i["sid"] for i in inbox] == [item["sid"]]


async def _some(items: list[Any]) -> bool:
    return bool(items)
