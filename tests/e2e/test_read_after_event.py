"""Read after event: a client that reads its feed when a socket event arrives finds what the
event announced, for a notification (userFeeds, then the REST feed) and for a chat message
(CHATS, then the conversation by its CID)."""

from __future__ import annotations

from typing import Any

import httpx
import socketio
from eth_account import Account

from tests.e2e.conftest import RunningNode
from tests.e2e.test_notification_path import (
    CHAIN_ID,
    RPC,
    _feeds,
    channel_with_subscriber,
    signed_payload,
    wait_for,
)
from tests.support.chat import ChatWallet, new_pgp_key
from tests.support.devchain import deploy_module, fresh_wallet

NOTIFICATIONS = 5


async def test_each_notification_is_in_the_feed_when_its_socket_event_arrives(
    node: RunningNode,
) -> None:
    deploy = deploy_module()
    w3 = deploy.connect(RPC, CHAIN_ID)
    channel_key, alice_key = fresh_wallet(w3, deploy), fresh_wallet(w3, deploy, push=0)
    alice = Account.from_key(alice_key).address
    found: list[bool] = []
    async with httpx.AsyncClient(timeout=10) as http:
        await channel_with_subscriber(http, node, deploy, w3, channel_key, alice_key)

        async def on_feed(item: dict[str, Any]) -> None:
            feed = await _feeds(http, node, alice, spam=False)
            found.append(item["sid"] in {f["sid"] for f in feed})

        client = socketio.AsyncClient(reconnection=False)
        client.on("userFeeds", on_feed)
        await client.connect(
            f"{node.gateway}?address=eip155:{CHAIN_ID}:{alice}", transports=["websocket"]
        )
        try:
            for _ in range(NOTIFICATIONS):
                body = signed_payload(channel_key, deploy.comm_address(CHAIN_ID), [alice])
                response = await http.post(node.gateway + "/apis/v1/payloads/", json=body)
                assert response.status_code == 204, response.text
            await wait_for("every socket event", lambda: _at_least(found, NOTIFICATIONS))
        finally:
            await client.disconnect()
    assert found == [True] * NOTIFICATIONS


async def test_each_chat_message_is_readable_when_its_socket_event_arrives(
    node: RunningNode,
) -> None:
    alice, bob = ChatWallet(pgp=new_pgp_key()), ChatWallet(pgp=new_pgp_key())
    readable: list[tuple[str, int]] = []
    async with httpx.AsyncClient(timeout=10, base_url=node.gateway + "/apis") as http:
        for wallet in (alice, bob):
            (await http.post("/v2/users/", json=wallet.registration())).raise_for_status()

        async def on_chat(event: dict[str, Any]) -> None:
            if event.get("messageCategory") in {"Request", "Chat"}:
                response = await http.get(f"/v1/chat/conversationhash/{event['cid']}")
                readable.append((event["messageCategory"], response.status_code))

        client = socketio.AsyncClient(reconnection=False)
        client.on("CHATS", on_chat)
        await client.connect(f"{node.gateway}?mode=chat&did={bob.did}", transports=["websocket"])
        try:
            first = alice.message(bob.did, "hello bob", "pgp")
            (await http.post("/v1/chat/request", json=first)).raise_for_status()
            answer = bob.answer(alice.did)
            (await http.put("/v1/chat/request/accept", json=answer)).raise_for_status()
            for n in range(3):
                body = alice.message(bob.did, f"message {n}", "pgp")
                (await http.post("/v1/chat/message", json=body)).raise_for_status()
            await wait_for("every CHATS event", lambda: _at_least(readable, 4))
        finally:
            await client.disconnect()
    assert readable == [("Request", 200)] + [("Chat", 200)] * 3


async def _at_least(items: list[Any], count: int) -> bool:
    return len(items) >= count
