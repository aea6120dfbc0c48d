"""The gateway checks request shapes and signatures before anything reaches the log."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from eth_account import Account

from pushnode_shared.protocol.chains import LOCAL_CHAINS
from pushnode_shared.protocol.signatures import (
    sign_data,
)
from pushnode_shared.protocol.topics import DEVICES, PROTOCOL_INPUTS
from pushnode_shared.testing import InMemoryProducer
from tests.support.signing import device_registration

CHAIN = LOCAL_CHAINS[0]


def notification(key: str, **changes: Any) -> dict[str, Any]:
    channel = Account.from_key(key).address
    payload = {"notification": {"title": "T", "body": "B"}, "data": {"type": "3"}}
    identity = "2+" + json.dumps(payload)
    body = {
        "verificationProof": "eip712v2:" + sign_data(identity, CHAIN.chain_id, CHAIN.comm, key),
        "identity": identity,
        "sender": f"eip155:{CHAIN.chain_id}:{channel}",
        "source": CHAIN.source,
        "recipient": f"eip155:{CHAIN.chain_id}:{channel}",
    }
    body.update(changes)
    return body


class TestSendNotification:
    async def test_a_well_formed_notification_is_appended_keyed_by_channel(
        self, client: httpx.AsyncClient, producer: InMemoryProducer, anvil_keys: tuple[str, ...]
    ) -> None:
        response = await client.post("/apis/v1/payloads/", json=notification(anvil_keys[1]))
        assert response.status_code == 204
        [envelope] = producer.on(PROTOCOL_INPUTS)
        assert envelope.type == "NotificationSubmitted"
        assert envelope.key == Account.from_key(anvil_keys[1]).address.lower()

    async def test_the_same_proof_gives_the_same_notification_id(
        self, client: httpx.AsyncClient, producer: InMemoryProducer, anvil_keys: tuple[str, ...]
    ) -> None:
        body = notification(anvil_keys[1])
        await client.post("/apis/v1/payloads/", json=body)
        await client.post("/apis/v1/payloads/", json=body)
        first, second = producer.on(PROTOCOL_INPUTS)
        assert first.payload["notification_id"] == second.payload["notification_id"]
        assert first.event_id != second.event_id

    @pytest.mark.parametrize(
        ("change", "reason"),
        [
            ({"identity": "2+{not json"}, "BAD_PAYLOAD"),
            ({"identity": "9+x"}, "BAD_IDENTITY"),
            ({"identity": "3+graph:someone/graph+1"}, "UNSUPPORTED_IDENTITY"),
            ({"verificationProof": "pgpv2:sig:meta:chat::uid::u"}, "UNSUPPORTED_PROOF"),
            ({"verificationProof": "nonsense"}, "BAD_PROOF_FORMAT"),
            ({"sender": "eip155:1:0x1234"}, "BAD_SENDER"),
            (
                {"sender": "eip155:424242:0x70997970C51812dc3A010C7d01b50e0d17dc79C8"},
                "CHAIN_NOT_SUPPORTED",
            ),
            ({"recipient": "not-an-address"}, "BAD_RECIPIENT"),
        ],
    )
    async def test_a_broken_request_gets_a_400_with_the_reason(
        self,
        client: httpx.AsyncClient,
        producer: InMemoryProducer,
        anvil_keys: tuple[str, ...],
        change: dict[str, str],
        reason: str,
    ) -> None:
        response = await client.post(
            "/apis/v1/payloads/", json=notification(anvil_keys[1], **change)
        )
        assert response.status_code == 400
        assert response.json()["error"]["reason"] == reason
        assert producer.published == []

    async def test_a_missing_field_is_an_invalid_request(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/apis/v1/payloads/", json={"identity": "2+{}"})
        assert response.status_code == 400
        assert response.json()["error"]["reason"] == "INVALID_REQUEST"


def registration(key: str, **options: Any) -> dict[str, Any]:
    """An Android device registration of token tok-1 (options: signing.device_registration)."""
    return device_registration(key, "tok-1", "android", **options)


class TestRegisterDevice:
    @pytest.mark.parametrize("app", [None, "wallet-b"], ids=["default app", "named app"])
    async def test_the_wallet_itself_registers_a_token_for_the_app_it_signed_for(
        self,
        client: httpx.AsyncClient,
        producer: InMemoryProducer,
        anvil_keys: tuple[str, ...],
        app: str | None,
    ) -> None:
        body = registration(anvil_keys[2], app=app)
        response = await client.post("/apis/v1/pushtokens/register", json=body)
        assert response.status_code == 204
        [envelope] = producer.on(DEVICES)
        assert envelope.payload["wallet"] == Account.from_key(anvil_keys[2]).address.lower()
        assert envelope.payload["app"] == app  # None: the node's default app

    @pytest.mark.parametrize(
        "signed_app",
        # None: signed without an app, then sent naming one: the signed text differs, so
        # the recovered signer is some other address.
        [None, "wallet-a"],
        ids=["an app the signature does not cover", "an app signed for another app"],
    )
    async def test_a_registration_naming_another_app_than_it_signed_is_refused(
        self,
        client: httpx.AsyncClient,
        producer: InMemoryProducer,
        anvil_keys: tuple[str, ...],
        signed_app: str | None,
    ) -> None:
        body = registration(anvil_keys[2], signed_app=signed_app) | {"app": "wallet-b"}
        response = await client.post("/apis/v1/pushtokens/register", json=body)
        assert response.status_code == 403
        assert producer.published == []

    async def test_nobody_can_register_a_token_for_someone_elses_wallet(
        self, client: httpx.AsyncClient, producer: InMemoryProducer, anvil_keys: tuple[str, ...]
    ) -> None:
        body = registration(anvil_keys[3], wallet_key=anvil_keys[2])
        response = await client.post("/apis/v1/pushtokens/register", json=body)
        assert response.status_code == 403
        assert response.json()["error"]["reason"] == "SIGNER_NOT_WALLET"
        assert producer.published == []

    async def test_an_old_signature_is_refused_as_a_replay(
        self, client: httpx.AsyncClient, producer: InMemoryProducer, anvil_keys: tuple[str, ...]
    ) -> None:
        body = registration(anvil_keys[2], age=3600)
        response = await client.post("/apis/v1/pushtokens/register", json=body)
        assert response.status_code == 401
        assert response.json()["error"]["reason"] == "STALE_SIGNATURE"
