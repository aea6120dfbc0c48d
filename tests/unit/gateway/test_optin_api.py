"""Off-chain opt-in is appended only when the subscriber itself signed it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from eth_account import Account

from pushnode_gateway.app import create_app
from pushnode_gateway.config import Settings
from pushnode_gateway.sockets import FeedSockets
from pushnode_shared.chains import LOCAL_CHAINS
from pushnode_shared.db import Database
from pushnode_shared.runtime import Readiness
from pushnode_shared.signatures import sign_typed, subscribe_v1_typed_message
from pushnode_shared.testing import InMemoryProducer
from pushnode_shared.topics import PROTOCOL_INPUTS
from tests.support.optin import optin_body

CHAIN = LOCAL_CHAINS[0]
CHANNEL = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
CHANNEL_CAIP = f"eip155:{CHAIN.chain_id}:{CHANNEL}"


@pytest.fixture
def producer() -> InMemoryProducer:
    return InMemoryProducer()


@pytest.fixture
async def client(producer: InMemoryProducer, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(PUSHNODE_DATA_DIR=tmp_path)  # type: ignore[call-arg]
    database = Database(settings.db_url(), "gateway", Path("unused"))
    app = create_app(settings, producer, database, FeedSockets(), Readiness())  # type: ignore[arg-type]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as test_client:
        yield test_client
    await database.dispose()


async def test_a_wallet_opts_itself_in_with_the_sdks_v2_proof(
    client: httpx.AsyncClient, producer: InMemoryProducer, anvil_keys: tuple[str, ...]
) -> None:
    body = optin_body(anvil_keys[2], CHANNEL_CAIP, CHAIN.chain_id, CHAIN.comm)
    response = await client.post(f"/apis/v1/channels/{CHANNEL_CAIP}/subscribe", json=body)
    assert response.status_code == 204, response.text
    [envelope] = producer.on(PROTOCOL_INPUTS)
    assert envelope.type == "SubscriptionSubmitted"
    assert envelope.payload["subscriber"] == Account.from_key(anvil_keys[2]).address.lower()
    assert envelope.key == CHANNEL.lower()


async def test_a_wallet_opts_out_with_unsubscriber_in_the_message(
    client: httpx.AsyncClient, producer: InMemoryProducer, anvil_keys: tuple[str, ...]
) -> None:
    body = optin_body(anvil_keys[2], CHANNEL_CAIP, CHAIN.chain_id, CHAIN.comm, "Unsubscribe")
    response = await client.post(f"/apis/v1/channels/{CHANNEL_CAIP}/unsubscribe", json=body)
    assert response.status_code == 204, response.text
    assert producer.on(PROTOCOL_INPUTS)[0].payload["action"] == "Unsubscribe"


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
    response = await client.post(f"/apis/v1/channels/{CHANNEL_CAIP}/subscribe", json=body)
    assert response.status_code == 204, response.text
    assert producer.on(PROTOCOL_INPUTS)[0].payload["proof_kind"] == "eip712v1"


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
