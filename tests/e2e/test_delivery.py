"""Pushes leave the node through the provider each registration routes to: once per device,
decryptable by the browser, and retried when the provider asks for it."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx
from eth_account import Account

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
from tests.support.devices import register_device
from tests.support.signing import device_registration

WEBPUSH = "http://127.0.0.1:4040"
TITLE = "Hello from pushnode"
# A retry is scheduled within the first backoff step (DISPATCHER_RETRY_BASE_SECONDS, 2 s by
# default): the "exactly one push" checks wait it out before they count.
RETRY_WINDOW_SECONDS = 2.0


async def register(
    http: httpx.AsyncClient,
    node: RunningNode,
    key: str,
    token: str,
    platform: str,
    app: str | None = None,
) -> None:
    """Register a device for the key's wallet (and app), signed as the gateway requires."""
    await register_device(http, node.gateway, key, token, platform, app)


async def registered_phone(
    http: httpx.AsyncClient, node: RunningNode, key: str, label: str = "android"
) -> str:
    """A fresh Android token, registered for the key's wallet."""
    phone = f"e2e-{label}-{uuid.uuid4().hex}"
    await register(http, node, key, phone, "android")
    return phone


async def fcm_fault(http: httpx.AsyncClient, node: RunningNode, **fault: Any) -> None:
    """Tell the FCM emulator to answer the next sends with `fault` (error, count, …)."""
    assert (await http.post(node.fcm + "/_emulator/faults", json=fault)).status_code == 200


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


def sid_of(fcm_push: dict[str, Any]) -> str:
    """The notification id an FCM push carries (what the deliveries API is keyed by)."""
    details = json.loads(fcm_push["message"]["data"]["details"])
    return str(details["info"]["sid"])


async def delivery_status(
    http: httpx.AsyncClient, node: RunningNode, sid: str, token: str
) -> tuple[str, int] | None:
    """The device's push status in the public deliveries API: (status, attempts)."""
    response = await http.get(f"{node.gateway}/apis/v1/payloads/{sid}/deliveries")
    assert response.status_code == 200, response.text
    for row in response.json()["deliveries"]:
        if row["device"].endswith(f"\u2026{token[-8:]}"):
            return str(row["status"]), int(row["attempts"])
    return None


async def test_an_android_phone_gets_one_push_and_a_browser_the_decrypted_notification(
    node: RunningNode,
) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        deploy, channel_key, user_key = await subscribed_user(http, node)
        phone = await registered_phone(http, node, user_key)
        subscription = (await http.post(WEBPUSH + "/_emulator/subscriptions", json={})).json()
        await register(http, node, user_key, json.dumps(subscription), "web")
        await notify(http, node, deploy, channel_key, user_key)

        (first,) = await wait_for("the FCM push", lambda: _pushes(http, node, phone))
        (shown,) = await wait_for("the web push", lambda: web_pushes(http, subscription))
        tokens = (phone, json.dumps(subscription))
        await wait_for("both outcomes", lambda: _delivered(http, node, sid_of(first), tokens))
        await asyncio.sleep(RETRY_WINDOW_SECONDS)  # a duplicate would have come by now
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
        phone = await registered_phone(http, node, user_key)
        await fcm_fault(http, node, error="UNAVAILABLE", count=1)
        await notify(http, node, deploy, channel_key, user_key)

        (first,) = await wait_for("the FCM push", lambda: _pushes(http, node, phone), 60)
        sid = sid_of(first)
        await wait_for(
            "the second attempt delivered",
            lambda: _status_is(http, node, sid, phone, ("DELIVERED", 2)),
            seconds=60,
        )
        await asyncio.sleep(RETRY_WINDOW_SECONDS)  # a duplicate would have come by now
        pushes = await _pushes(http, node, phone)
        pending = (await http.get(node.fcm + "/_emulator/stats")).json()["pending_faults"]

    assert pending == 0
    assert len(pushes) == 1
    assert pushes[0]["message"]["notification"]["title"] == TITLE


async def _delivered(
    http: httpx.AsyncClient, node: RunningNode, sid: str, tokens: tuple[str, ...]
) -> bool:
    statuses = [await delivery_status(http, node, sid, t) for t in tokens]
    return all(s is not None and s[0] == "DELIVERED" for s in statuses)


async def _status_is(
    http: httpx.AsyncClient, node: RunningNode, sid: str, token: str, expected: tuple[str, int]
) -> bool:
    return await delivery_status(http, node, sid, token) == expected


async def test_an_internal_push_endpoint_is_refused_at_registration(node: RunningNode) -> None:
    """No internal requests: a subscription naming the node's own network is refused (400),
    only the dev emulator's listed origin is admitted on loopback."""
    async with httpx.AsyncClient(timeout=10) as http:
        key = Account.create().key.hex()
        refused = {}
        for endpoint in (
            f"{node.service_url('dispatcher')}/metrics",
            "https://169.254.169.254/latest/meta-data/",
            "https://10.0.0.1/push/x",
        ):
            token = json.dumps({"endpoint": endpoint, "keys": {"p256dh": "B", "auth": "a"}})
            body = device_registration(key, token, "web")
            response = await http.post(node.gateway + "/apis/v1/pushtokens/register", json=body)
            refused[endpoint] = (response.status_code, response.json()["error"]["reason"])

    assert set(refused.values()) <= {(400, "ENDPOINT_NOT_HTTPS"), (400, "ENDPOINT_NOT_PUBLIC")}
    assert len(refused) == 3
