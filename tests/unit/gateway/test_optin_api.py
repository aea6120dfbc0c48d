"""Off-chain opt-in is appended only when the subscriber itself signed it."""

from __future__ import annotations

import json
from typing import Any

import httpx
from eth_account import Account

from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.protocol.chains import LOCAL_CHAINS
from pushnode_shared.protocol.signatures import sign_data, sign_typed, subscribe_v1_typed_message
from pushnode_shared.protocol.topics import PROTOCOL_INPUTS
from pushnode_shared.testing import InMemoryProducer
from tests.support.optin import optin_body

CHAIN = LOCAL_CHAINS[0]
CHANNEL = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
CHANNEL_CAIP = f"eip155:{CHAIN.chain_id}:{CHANNEL}"


async def appended(
    client: httpx.AsyncClient,
    producer: InMemoryProducer,
    body: dict[str, Any],
    verb: str = "subscribe",
) -> Envelope:
    """POST the signed opt-in (or out): accepted (204), the one input it appended."""
    response = await client.post(f"/apis/v1/channels/{CHANNEL_CAIP}/{verb}", json=body)
    assert response.status_code == 204, response.text
    [envelope] = producer.on(PROTOCOL_INPUTS)
    return envelope


async def test_a_wallet_opts_itself_in_with_the_sdks_v2_proof(
    client: httpx.AsyncClient, producer: InMemoryProducer, anvil_keys: tuple[str, ...]
) -> None:
    body = optin_body(anvil_keys[2], CHANNEL_CAIP, CHAIN.chain_id, CHAIN.comm)
    envelope = await appended(client, producer, body)
    assert envelope.type == "SubscriptionSubmitted"
    assert envelope.payload["subscriber"] == Account.from_key(anvil_keys[2]).address.lower()
    assert envelope.key == CHANNEL.lower()


async def test_a_wallet_opts_out_with_unsubscriber_in_the_message(
    client: httpx.AsyncClient, producer: InMemoryProducer, anvil_keys: tuple[str, ...]
) -> None:
    body = optin_body(anvil_keys[2], CHANNEL_CAIP, CHAIN.chain_id, CHAIN.comm, "Unsubscribe")
    envelope = await appended(client, producer, body, "unsubscribe")
    assert envelope.payload["action"] == "Unsubscribe"


async def test_the_legacy_v1_typed_data_proof_is_accepted(
    client: httpx.AsyncClient, producer: InMemoryProducer, anvil_keys: tuple[str, ...]
) -> None:
    user = Account.from_key(anvil_keys[2]).address
    typed = subscribe_v1_typed_message("Subscribe", CHANNEL, user, CHAIN.chain_id, CHAIN.comm)
    message = {
        "channel": CHANNEL_CAIP,
        "subscriber": f"eip155:{CHAIN.chain_id}:{user}",
        "action": "Subscribe",
    }
    body = {"signature": sign_typed(typed, anvil_keys[2]), "message": message}
    envelope = await appended(client, producer, body)
    assert envelope.payload["proof_kind"] == "eip712v1"


async def test_nobody_can_opt_someone_else_in(
    client: httpx.AsyncClient, producer: InMemoryProducer, anvil_keys: tuple[str, ...]
) -> None:
    body = optin_body(anvil_keys[2], CHANNEL_CAIP, CHAIN.chain_id, CHAIN.comm)
    forged = optin_body(anvil_keys[3], CHANNEL_CAIP, CHAIN.chain_id, CHAIN.comm)
    body["verificationProof"] = forged["verificationProof"]
    response = await client.post(f"/apis/v1/channels/{CHANNEL_CAIP}/subscribe", json=body)
    assert response.status_code == 403
    assert response.json()["error"]["reason"] == "SIGNER_NOT_SUBSCRIBER"
    assert producer.published == []


async def test_the_path_must_name_the_signed_channel(
    client: httpx.AsyncClient, producer: InMemoryProducer, anvil_keys: tuple[str, ...]
) -> None:
    body = optin_body(anvil_keys[2], CHANNEL_CAIP, CHAIN.chain_id, CHAIN.comm)
    other = f"eip155:{CHAIN.chain_id}:0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
    response = await client.post(f"/apis/v1/channels/{other}/subscribe", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["reason"] == "CHANNEL_MISMATCH"


async def test_the_sdks_subscribe_v2_message_with_bare_addresses_takes_the_chain_from_the_path(
    client: httpx.AsyncClient, producer: InMemoryProducer, anvil_keys: tuple[str, ...]
) -> None:
    # subscribeV2 signs {"channel": "0x…", "subscriber": "0x…", …}: no chain in the message.
    user = Account.from_key(anvil_keys[2]).address
    fields = {"channel": CHANNEL, "subscriber": user, "action": "Subscribe", "userSetting": ""}
    message = json.dumps(fields, indent=4)
    proof = "eip712v2:" + sign_data(message, CHAIN.chain_id, CHAIN.comm, anvil_keys[2])
    body = {"verificationProof": proof, "message": message, "origin": "sdk"}
    envelope = await appended(client, producer, body)
    assert envelope.payload["chain_id"] == CHAIN.chain_id
