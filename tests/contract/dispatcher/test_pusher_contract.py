"""The Pusher port's contract, run against the fake every unit suite uses and against each
real provider adapter talking to its emulator: what one is, the other must be too."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from pushnode_dispatcher.adapters.apns import ApnsClient, ApnsPusher
from pushnode_dispatcher.adapters.fcm import FcmClient, FcmPusher
from pushnode_dispatcher.adapters.webpush import WebPushClient, WebPushPusher
from pushnode_dispatcher.domain import Outcome, PushContent, Pusher
from pushnode_dispatcher.testing import FakePusher
from pushnode_shared.protocol.webpush_endpoints import EndpointPolicy
from tests.contract.dispatcher.conftest import KEY_ID, TEAM_ID, TOPIC

NOTIFICATION = PushContent(
    "6f1c2d3e-4a5b-5c6d-8e7f-9a0b1c2d3e4f",
    "bafkrei",
    "0xc",
    {"notification": {"title": "T", "body": "B"}, "data": {"app": "demo"}},
)


@dataclass
class Provider:
    """A Pusher and what the provider behind it can be asked and told."""

    pusher: Pusher
    # A token the provider will accept from now on.
    new_device: Callable[[], Awaitable[str]]
    # The provider says this token is gone from now on.
    kill: Callable[[str], Awaitable[None]]
    # (notification id, token) of every push the provider accepted.
    received: Callable[[], Awaitable[list[tuple[str, str]]]]
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)


def fake() -> Provider:
    pusher, count = FakePusher(), iter(range(1_000))

    async def new_device() -> str:
        return f"fake-token-{next(count)}"

    async def kill(token: str) -> None:
        pusher.kill(token)

    async def received() -> list[tuple[str, str]]:
        return [(nid, token) for nid, token in pusher.pushed if token not in pusher.dead]

    return Provider(pusher, new_device, kill, received)


async def control(url: str, path: str, body: Any = None) -> Any:
    async with httpx.AsyncClient(base_url=url) as http:
        if body is None:
            return (await http.get(path)).json()
        return (await http.post(path, json=body)).json()


def sid(details: str) -> str:
    """The notification id in Push's `details` JSON."""
    return str(json.loads(details)["info"]["sid"])


def fcm(url: str, account: Path) -> Provider:
    client, count = FcmClient(account, base_url=url), iter(range(1_000))

    async def new_device() -> str:
        return f"fcm-token-{next(count)}:APA91b"

    async def kill(token: str) -> None:
        await control(url, "/_emulator/dead-tokens", {"tokens": [token]})

    async def received() -> list[tuple[str, str]]:
        return [
            (sid(m["message"]["data"]["details"]), m["token"])
            for m in await control(url, "/_emulator/messages")
        ]

    return Provider(FcmPusher(client), new_device, kill, received, [client.aclose])


def apns(url: str, key_file: Path) -> Provider:
    client = ApnsClient(key_file, key_id=KEY_ID, team_id=TEAM_ID, topic=TOPIC, base_url=url)
    count = iter(range(1_000))

    async def new_device() -> str:
        return f"{next(count):064x}"

    async def kill(token: str) -> None:
        await control(url, "/_emulator/dead-tokens", {"tokens": [token]})

    async def received() -> list[tuple[str, str]]:
        return [
            (sid(m["payload"]["details"]), m["token"])
            for m in await control(url, "/_emulator/messages")
        ]

    return Provider(ApnsPusher(client), new_device, kill, received, [client.aclose])


def webpush(url: str, tmp_path: Path) -> Provider:
    key = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    dev = EndpointPolicy.of([], [url])  # the emulator on loopback, as the dev stack admits it
    client = WebPushClient(key, subject="mailto:ops@pushnode.example", endpoints=dev)
    tokens: dict[str, str] = {}  # the emulator's subscription id -> the registered token

    async def new_device() -> str:
        subscription = await control(url, "/_emulator/subscriptions", {})
        token = json.dumps(subscription)
        tokens[subscription["endpoint"].rsplit("/", 1)[1]] = token
        return token

    async def kill(token: str) -> None:
        name = json.loads(token)["endpoint"].rsplit("/", 1)[1]
        await control(url, f"/_emulator/subscriptions/{name}/expire", {})

    async def received() -> list[tuple[str, str]]:
        return [
            (json.loads(m["plaintext"])["sid"], tokens[m["subscription"]])
            for m in await control(url, "/_emulator/messages")
        ]

    return Provider(WebPushPusher(client), new_device, kill, received, [client.aclose])


@pytest.fixture(params=["fake", "fcm", "apns", "webpush"])
async def provider(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Provider]:
    """Each kind of Pusher in turn; the emulators start only for the one that needs them."""
    if request.param == "fake":
        built = fake()
    elif request.param == "fcm":
        url, account = request.getfixturevalue("fcm_account")
        built = fcm(url, account)
    elif request.param == "apns":
        built = apns(request.getfixturevalue("apns_url"), tmp_path / "AuthKey.p8")
    else:
        built = webpush(request.getfixturevalue("web_url"), tmp_path)
    yield built
    for close in built.closers:
        await close()


async def test_a_push_to_a_live_device_is_delivered_and_received_once(provider: Provider) -> None:
    token = await provider.new_device()

    outcome = await provider.pusher.push(NOTIFICATION, token)

    assert outcome.kind is Outcome.DELIVERED, outcome
    assert await provider.received() == [(NOTIFICATION.notification_id, token)]


async def test_a_push_to_a_gone_device_says_drop_the_token_and_reaches_nobody(
    provider: Provider,
) -> None:
    live, gone = await provider.new_device(), await provider.new_device()
    await provider.kill(gone)

    dropped = await provider.pusher.push(NOTIFICATION, gone)
    delivered = await provider.pusher.push(NOTIFICATION, live)

    assert dropped.kind is Outcome.DROP_TOKEN, dropped
    assert delivered.kind is Outcome.DELIVERED, delivered
    assert await provider.received() == [(NOTIFICATION.notification_id, live)]


async def test_each_device_receives_only_its_own_push(provider: Provider) -> None:
    tokens = [await provider.new_device() for _ in range(3)]

    for token in tokens:
        assert (await provider.pusher.push(NOTIFICATION, token)).kind is Outcome.DELIVERED

    assert sorted(await provider.received()) == sorted(
        (NOTIFICATION.notification_id, token) for token in tokens
    )
