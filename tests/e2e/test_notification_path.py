"""One signed notification travels listener -> validator -> storage -> gateway -> dispatcher."""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from typing import Any

import httpx
import socketio
from eth_account import Account
from web3 import Web3

from tests.e2e.conftest import RunningNode
from tests.support import devices
from tests.support.devchain import deploy_module, fresh_wallet
from tests.support.signing import sign_data

CHAIN_ID = 11155111
RPC = "http://127.0.0.1:8545"


async def wait_for(what: str, check: Any, seconds: float = 30.0) -> Any:
    """Poll an async check until it returns something truthy."""
    deadline = time.monotonic() + seconds
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.3)


async def listener_cursor(http: httpx.AsyncClient, node: RunningNode) -> int:
    body = (await http.get(node.service_url("listener") + "/readyz")).json()
    match = re.search(r"cursor (-?\d+)", body["checks"].get(f"chain:{CHAIN_ID}", ""))
    return int(match.group(1)) if match else -1


def signed_payload(channel_key: str, comm: str, recipients: list[str]) -> dict[str, Any]:
    payload = {
        "notification": {"title": "Hello from pushnode", "body": "It works"},
        "data": {
            "type": "4",
            "asub": "Walking skeleton",
            "amsg": f"Every hop is real ({uuid.uuid4().hex[:8]})",  # content differs per send
            "app": "e2e",
        },
        "recipients": {f"eip155:{CHAIN_ID}:{r}": None for r in recipients},
    }
    return signed_body(channel_key, comm, payload)


def signed_body(channel_key: str, comm: str, payload: dict[str, Any]) -> dict[str, Any]:
    """POST /apis/v1/payloads/ body: the payload as an inline identity, eip712v2-signed."""
    channel = Account.from_key(channel_key).address
    identity = "2+" + json.dumps(payload)
    signature = sign_data(identity, CHAIN_ID, comm, channel_key)
    return {
        "verificationProof": f"eip712v2:{signature}::uid::{uuid.uuid4()}",
        "identity": identity,
        "sender": f"eip155:{CHAIN_ID}:{channel}",
        "source": "ETH_TEST_SEPOLIA",
        "recipient": f"eip155:{CHAIN_ID}:{channel}",
    }


async def register_device(http: httpx.AsyncClient, node: RunningNode, key: str, token: str) -> None:
    await devices.register_device(http, node.gateway, key, token)


async def connected_socket(
    node: RunningNode, address: str, inbox: list[Any], spam: list[Any]
) -> socketio.AsyncClient:
    client = socketio.AsyncClient(reconnection=False)
    client.on("userFeeds", inbox.append)
    client.on("userSpamFeeds", spam.append)
    await client.connect(
        f"{node.gateway}?address=eip155:{CHAIN_ID}:{address}", transports=["websocket"]
    )
    return client


async def test_a_signed_notification_reaches_inbox_spam_socket_and_phone(node: RunningNode) -> None:
    deploy = deploy_module()
    w3 = deploy.connect(RPC, CHAIN_ID)
    channel_key, alice_key, bob_key = (fresh_wallet(w3, deploy) for _ in range(3))
    channel = Account.from_key(channel_key).address
    alice, bob = (Account.from_key(k).address for k in (alice_key, bob_key))
    device = f"e2e-device-{uuid.uuid4().hex}"
    async with httpx.AsyncClient(timeout=10) as http:
        await register_device(http, node, alice_key, device)
        await channel_with_subscriber(http, node, deploy, w3, channel_key, alice_key)
        inbox, spam, sockets = await sockets_for(node, alice, bob)
        body = signed_payload(channel_key, deploy.comm_address(CHAIN_ID), [alice, bob])
        response = await http.post(node.gateway + "/apis/v1/payloads/", json=body)
        assert response.status_code == 204, response.text

        alice_feed = await wait_for("alice's inbox", lambda: _feeds(http, node, alice, spam=False))
        bob_spam = await wait_for("bob's spam box", lambda: _feeds(http, node, bob, spam=True))
        await wait_for("both socket events", lambda: _both(inbox, spam))
        pushes = await wait_for("the FCM push", lambda: _pushes(http, node, device))
        stored = await _stored(http, node, alice_feed[0]["cid"])
        for client in sockets:
            await client.disconnect()

    item = alice_feed[0]
    assert item["payload"]["notification"]["title"] == "Hello from pushnode"
    assert item["sender"] == channel.lower()
    assert item["payload"]["verificationProof"] == body["verificationProof"]
    assert bob_spam[0]["sid"] == item["sid"]
    assert inbox[0]["sid"] == item["sid"] and spam[0]["sid"] == item["sid"]
    assert (await _feeds_now(node, bob, spam=False)) == []
    assert (stored["verification_proof"], stored["identity"]) == (
        body["verificationProof"],
        body["identity"],
    )
    assert len(pushes) == 1
    assert pushes[0]["message"]["notification"]["title"] == "Hello from pushnode"


async def sockets_for(
    node: RunningNode, inbox_owner: str, spam_owner: str
) -> tuple[list[Any], list[Any], list[socketio.AsyncClient]]:
    inbox: list[Any] = []
    spam: list[Any] = []
    clients = [
        await connected_socket(node, inbox_owner, inbox, []),
        await connected_socket(node, spam_owner, [], spam),
    ]
    return inbox, spam, clients


async def channel_with_subscriber(
    http: httpx.AsyncClient,
    node: RunningNode,
    deploy: Any,
    w3: Any,
    channel_key: str,
    user_key: str,
) -> None:
    """Create the channel, subscribe the user on-chain, wait until the listener has both."""
    deploy.create_channel(w3, channel_key, b"1+bafkreiexamplechannelmeta")
    receipt = deploy.subscribe(w3, user_key, Account.from_key(channel_key).address)
    block = receipt["blockNumber"]
    await wait_for("listener past the subscribe", lambda: _past(http, node, block))


async def _stored(http: httpx.AsyncClient, node: RunningNode, cid: str) -> dict[str, Any]:
    response = await http.get(f"{node.gateway}/apis/v1/ipfs/{cid}")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _past(http: httpx.AsyncClient, node: RunningNode, block: int) -> bool:
    return await listener_cursor(http, node) >= block


async def _feeds(http: httpx.AsyncClient, node: RunningNode, who: str, spam: bool) -> list[Any]:
    url = f"{node.gateway}/apis/v1/users/eip155:{CHAIN_ID}:{who}/feeds"
    response = await http.get(url, params={"spam": str(spam).lower()})
    assert response.status_code == 200, response.text
    return list(response.json()["feeds"])


async def _feeds_now(node: RunningNode, who: str, spam: bool) -> list[Any]:
    async with httpx.AsyncClient(timeout=10) as http:
        return await _feeds(http, node, who, spam)


async def _both(inbox: list[Any], spam: list[Any]) -> bool:
    return bool(inbox) and bool(spam)


async def _pushes(http: httpx.AsyncClient, node: RunningNode, token: str) -> list[Any]:
    messages = (await http.get(node.fcm + "/_emulator/messages")).json()
    entries = messages if isinstance(messages, list) else messages.get("messages", [])
    return [m for m in entries if _token_of(m) == token]


def _token_of(entry: dict[str, Any]) -> str | None:
    message = entry.get("message", entry)
    return message.get("token") if isinstance(message, dict) else None


_ = Web3
