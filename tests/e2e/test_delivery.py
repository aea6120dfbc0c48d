"""Pushes leave the node through the provider each registration routes to: once per device,
decryptable by the browser, and retried when the provider asks for it."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import httpx
import psycopg
from eth_account import Account

from pushnode_shared.protocol.signatures import device_registration_message, personal_sign
from tests.e2e.conftest import RunningNode
from tests.e2e.test_notification_path import (
    CHAIN_ID,
    RPC,
    _pushes,
    channel_with_subscriber,
    signed_payload,
    wait_for,
)
from tests.support.devchain import deploy_module, fresh_wallet

WEBPUSH = "http://127.0.0.1:4040"
TITLE = "Hello from pushnode"


async def register(
    http: httpx.AsyncClient,
    node: RunningNode,
    key: str,
    token: str,
    platform: str,
    app: str | None = None,
) -> None:
    """Register a device for the key's wallet (and app), signed as the gateway requires."""
    wallet = Account.from_key(key).address.lower()
    ts = int(time.time())
    message = device_registration_message("register", wallet, token, platform, ts, app)
    body = {
        "wallet": f"eip155:{wallet}",
        "device_token": token,
        "platform": platform,
        "timestamp": ts,
        "signature": personal_sign(message, key),
    } | ({"app": app} if app is not None else {})
    response = await http.post(node.gateway + "/apis/v1/pushtokens/register", json=body)
    assert response.status_code == 204, response.text
    # The registry and the sender read different topics: a notification stored before the
    # registry folded the device is not pushed to it (services/dispatcher/README.md), so the
    # tests wait for the fold as a phone would have been registered well before.
    await wait_for("the device in the dispatcher's registry", lambda: _folded(node, token), 60)


async def _folded(node: RunningNode, token: str) -> bool | None:
    url = node.env["DATABASE_URL"].replace("postgresql+asyncpg", "postgresql")
    async with await psycopg.AsyncConnection.connect(url) as conn:
        cursor = await conn.execute(
            "SELECT 1 FROM dispatcher_devices WHERE device_token = %s", (token,)
        )
        return True if await cursor.fetchone() is not None else None


async def subscribed_user(http: httpx.AsyncClient, node: RunningNode) -> tuple[Any, str, str]:
    """A fresh channel and a wallet subscribed to it: (deploy module, channel key, user key)."""
    deploy = deploy_module()
    w3 = deploy.connect(RPC, CHAIN_ID)
    channel_key, user_key = (fresh_wallet(w3, deploy) for _ in range(2))
    await channel_with_subscriber(http, node, deploy, w3, channel_key, user_key)
    return deploy, channel_key, user_key


async def notify(
    http: httpx.AsyncClient, node: RunningNode, deploy: Any, channel_key: str, user_key: str
) -> None:
    """A signed notification from the channel to the user alone."""
    user = Account.from_key(user_key).address
    body = signed_payload(channel_key, deploy.comm_address(CHAIN_ID), [user])
    response = await http.post(node.gateway + "/apis/v1/payloads/", json=body)
    assert response.status_code == 204, response.text


async def web_pushes(http: httpx.AsyncClient, subscription: dict[str, Any]) -> list[Any]:
    name = subscription["endpoint"].rsplit("/", 1)[1]
    messages = (await http.get(WEBPUSH + "/_emulator/messages")).json()
    return [m for m in messages if m["subscription"] == name]


async def delivery_status(node: RunningNode, token: str) -> tuple[str, int] | None:
    """The dispatcher's delivery-status row for the device (its registry projection)."""
    url = node.env["DATABASE_URL"].replace("postgresql+asyncpg", "postgresql")
    async with await psycopg.AsyncConnection.connect(url) as conn:
        cursor = await conn.execute(
            "SELECT outcome, attempts FROM dispatcher_deliveries WHERE device_token = %s",
            (token,),
        )
        row = await cursor.fetchone()
    return None if row is None else (str(row[0]), int(row[1]))


async def test_an_android_phone_gets_one_push_and_a_browser_the_decrypted_notification(
    node: RunningNode,
) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        deploy, channel_key, user_key = await subscribed_user(http, node)
        phone = f"e2e-android-{uuid.uuid4().hex}"
        subscription = (await http.post(WEBPUSH + "/_emulator/subscriptions", json={})).json()
        await register(http, node, user_key, phone, "android")
        await register(http, node, user_key, json.dumps(subscription), "web")
        await notify(http, node, deploy, channel_key, user_key)

        await wait_for("the FCM push", lambda: _pushes(http, node, phone))
        (shown,) = await wait_for("the web push", lambda: web_pushes(http, subscription))
        await wait_for("both outcomes", lambda: _both_delivered(node, phone, subscription))
        await asyncio.sleep(2)  # a second push would have come by now
        fcm = await _pushes(http, node, phone)
        web = await web_pushes(http, subscription)

    assert len(fcm) == 1 and len(web) == 1
    assert fcm[0]["message"]["notification"]["title"] == TITLE
    notification = json.loads(shown["plaintext"])
    assert (notification["title"], notification["body"]) == (TITLE, "It works")


async def test_a_push_fcm_refuses_with_503_is_retried_and_delivered_once(
    node: RunningNode,
) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        deploy, channel_key, user_key = await subscribed_user(http, node)
        phone = f"e2e-android-{uuid.uuid4().hex}"
        await register(http, node, user_key, phone, "android")
        fault = {"error": "UNAVAILABLE", "count": 1}
        assert (await http.post(node.fcm + "/_emulator/faults", json=fault)).status_code == 200
        await notify(http, node, deploy, channel_key, user_key)

        await wait_for(
            "the second attempt delivered",
            lambda: _status_is(node, phone, ("DELIVERED", 2)),
            seconds=60,
        )
        pushes = await _pushes(http, node, phone)
        pending = (await http.get(node.fcm + "/_emulator/stats")).json()["pending_faults"]

    assert pending == 0
    assert len(pushes) == 1
    assert pushes[0]["message"]["notification"]["title"] == TITLE


async def _both_delivered(node: RunningNode, phone: str, subscription: dict[str, Any]) -> bool:
    statuses = [await delivery_status(node, t) for t in (phone, json.dumps(subscription))]
    return all(s is not None and s[0] == "DELIVERED" for s in statuses)


async def _status_is(node: RunningNode, token: str, expected: tuple[str, int]) -> bool:
    return await delivery_status(node, token) == expected
