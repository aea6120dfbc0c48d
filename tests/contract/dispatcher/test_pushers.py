"""The providers bootstrap builds from settings, pushing real requests to the APNs and Web
Push emulators: routing's last step, the message shapes, and dead tokens from each."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from pushnode_dispatcher.config import Settings
from pushnode_dispatcher.domain import Outcome, Provider, PushContent, Pusher
from pushnode_dispatcher.providers import providers
from tests.contract.dispatcher.conftest import KEY_ID, TEAM_ID, TOPIC

CONTENT = PushContent(
    "0b5e6c1a-7d1e-5f6a-9c61-2f4d8b0e7a15",
    "bafkrei",
    "0xc",
    {"notification": {"title": "T", "body": "B"}, "data": {"app": "demo"}},
)


@pytest.fixture
async def pushers(
    tmp_path: Path, web_url: str, apns_url: str
) -> AsyncIterator[dict[Provider, Pusher]]:
    vapid = tmp_path / "vapid.pem"
    vapid.write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    settings = Settings(
        apns_key_file=tmp_path / "AuthKey.p8",
        apns_key_id=KEY_ID,
        apns_team_id=TEAM_ID,
        apns_topic=TOPIC,
        apns_base_url=apns_url,
        webpush_vapid_key_file=vapid,
        webpush_subject="mailto:ops@pushnode.example",
        webpush_dev_origins=web_url,  # the emulator on loopback, admitted as the dev stack does
    )
    wired = providers(settings)
    yield wired.apps[""]
    for close in wired.closers:
        await close()


async def emulator(url: str, path: str, body: Any = None) -> Any:
    async with httpx.AsyncClient(base_url=url) as http:
        if body is None:
            return (await http.get(path)).json()
        return (await http.post(path, json=body)).json()


async def test_only_the_providers_with_credentials_are_built(
    pushers: dict[Provider, Pusher],
) -> None:
    assert set(pushers) == {Provider.APNS, Provider.WEBPUSH}


async def test_a_browser_gets_the_notification_its_keys_decrypt(
    pushers: dict[Provider, Pusher], web_url: str
) -> None:
    subscription = await emulator(web_url, "/_emulator/subscriptions", {})
    outcome = await pushers[Provider.WEBPUSH].push(CONTENT, json.dumps(subscription))
    assert outcome.kind is Outcome.DELIVERED, outcome
    (message,) = await emulator(web_url, "/_emulator/messages")
    shown = json.loads(message["plaintext"])
    assert (shown["title"], shown["body"], shown["sid"]) == ("T", "B", CONTENT.notification_id)


async def test_an_expired_or_malformed_subscription_is_a_dead_token(
    pushers: dict[Provider, Pusher], web_url: str
) -> None:
    subscription = await emulator(web_url, "/_emulator/subscriptions", {})
    name = subscription["endpoint"].rsplit("/", 1)[1]
    await emulator(web_url, f"/_emulator/subscriptions/{name}/expire", {})
    expired = await pushers[Provider.WEBPUSH].push(CONTENT, json.dumps(subscription))
    malformed = await pushers[Provider.WEBPUSH].push(CONTENT, "fcm-looking-token")
    assert (expired.kind, expired.http_status) == (Outcome.DROP_TOKEN, 410)
    assert malformed.kind is Outcome.DROP_TOKEN


async def test_an_iphone_gets_an_alert_collapsed_per_notification(
    pushers: dict[Provider, Pusher], apns_url: str
) -> None:
    outcome = await pushers[Provider.APNS].push(CONTENT, "ab" * 32)
    assert outcome.kind is Outcome.DELIVERED, outcome
    (message,) = await emulator(apns_url, "/_emulator/messages")
    assert message["payload"]["aps"]["alert"] == {"title": "T", "body": "B"}
    assert message["headers"]["apns-topic"] == TOPIC
    assert message["headers"]["apns-collapse-id"] == CONTENT.notification_id


async def test_an_unregistered_iphone_is_a_dead_token(
    pushers: dict[Provider, Pusher], apns_url: str
) -> None:
    await emulator(apns_url, "/_emulator/dead-tokens", {"tokens": ["cd" * 32]})
    outcome = await pushers[Provider.APNS].push(CONTENT, "cd" * 32)
    assert (outcome.kind, outcome.error_code) == (Outcome.DROP_TOKEN, "Unregistered")


def test_half_configured_credentials_are_refused_at_start(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="APNS_KEY_ID"):
        Settings(apns_key_file=tmp_path / "AuthKey.p8")
    with pytest.raises(ValueError, match="WEBPUSH_SUBJECT"):
        Settings(webpush_vapid_key_file=tmp_path / "vapid.pem")
