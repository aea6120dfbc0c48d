"""A delivery node's socket streams liveFeeds and back-fills time ranges; a wallet's socket that
reconnects with a cursor is sent what it missed."""

from __future__ import annotations

import time
from typing import Any

import httpx
import socketio
from eth_account import Account

from tests.e2e.conftest import DELIVERY_TOKEN, RunningNode
from tests.e2e.test_notification_path import (
    CHAIN_ID,
    RPC,
    _feeds,
    channel_with_subscriber,
    signed_payload,
    wait_for,
)
from tests.support.devchain import deploy_module, fresh_wallet


async def connect(node: RunningNode, query: str, **handlers: Any) -> socketio.AsyncClient:
    client = socketio.AsyncClient(reconnection=False)
    for event, handler in handlers.items():
        client.on(event, handler)
    await client.connect(f"{node.gateway}?{query}", transports=["websocket"])
    return client


async def test_delivery_socket_and_a_reconnecting_wallet_miss_nothing(node: RunningNode) -> None:
    deploy = deploy_module()
    w3 = deploy.connect(RPC, CHAIN_ID)
    channel_key, alice_key = fresh_wallet(w3, deploy), fresh_wallet(w3, deploy, push=0)
    alice = Account.from_key(alice_key).address
    live: list[Any] = []
    history: list[Any] = []
    replayed: list[Any] = []
    async with httpx.AsyncClient(timeout=10) as http:
        await channel_with_subscriber(http, node, deploy, w3, channel_key, alice_key)
        delivery = await connect(
            node, f"mode=delivery&token={DELIVERY_TOKEN}", liveFeeds=live.append
        )
        started_ms = int(time.time() * 1000) - 5_000
        body = signed_payload(channel_key, deploy.comm_address(CHAIN_ID), [alice])
        assert (await http.post(node.gateway + "/apis/v1/payloads/", json=body)).status_code == 204
        inbox = await wait_for("alice's inbox", lambda: _feeds(http, node, alice, spam=False))

        async def mine() -> list[Any]:
            return [
                f for f in live if f["payload"]["verificationProof"] == body["verificationProof"]
            ]

        [feed] = await wait_for("the liveFeeds event", mine)
        delivery.on("historicalFeeds", history.append)
        await delivery.emit(
            "historicalFeeds",
            {"startTime": str(started_ms), "endTime": str(int(time.time() * 1000)), "page": 1},
        )
        await wait_for("the historicalFeeds answer", lambda: _nonempty(history))
        await delivery.disconnect()

        # alice was offline: she reconnects with the epoch of the last item she had seen.
        cursor = "2000-01-01T00:00:00Z"
        wallet = await connect(
            node, f"address=eip155:{CHAIN_ID}:{alice}&since={cursor}", userFeeds=replayed.append
        )
        await wait_for("the replayed userFeeds", lambda: _nonempty(replayed))
        await wallet.disconnect()

    assert feed["users"] == [alice.lower()] and feed["is_spam"] == 0
    assert feed["sender"] == f"eip155:{CHAIN_ID}:{Account.from_key(channel_key).address}"
    sids = [f["sid"] for f in history[0]["feeds"]]
    assert feed["sid"] in sids and history[0]["count"] >= 1
    assert [f["sid"] for f in replayed] == [inbox[0]["sid"]]


async def _nonempty(items: list[Any]) -> bool:
    return bool(items)
