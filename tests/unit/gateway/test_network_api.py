"""The node API: records and frontier for signed peers only, evidence and state hash for all."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from pushnode_gateway.app import create_app
from pushnode_gateway.config import Settings
from pushnode_gateway.network import projection
from pushnode_gateway.network.peers import NodeIdentity
from pushnode_gateway.sockets.server import FeedSockets
from pushnode_shared.infra.consumer import HandlerContext
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.runtime import Readiness
from pushnode_shared.protocol.events import NodeRecordAppended, PeerMisbehaved, wrap
from pushnode_shared.protocol.network.auth import sign_request
from pushnode_shared.protocol.network.evidence import equivocation
from pushnode_shared.protocol.network.keys import NodeKey
from pushnode_shared.protocol.network.peers import Peer
from pushnode_shared.protocol.network.records import read_record
from pushnode_shared.testing import InMemoryProducer

from ..network.builders import chain

NODE, PEER, STRANGER, ORIGIN = (NodeKey.generate() for _ in range(4))
PATH = "/apis/v1/node/records"


@pytest.fixture
async def node_client(database: Database, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(PUSHNODE_DATA_DIR=tmp_path)
    identity = NodeIdentity(NODE, [Peer(url="http://127.0.0.1:1", address=PEER.address)])
    producer: Any = InMemoryProducer()
    app = create_app(
        settings, producer, database, FeedSockets(), Readiness(), node_identity=identity
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        yield client


async def hold(database: Database, records: list[NodeRecordAppended | PeerMisbehaved]) -> None:
    async with database.transaction() as session:
        ctx = HandlerContext(session=session, replay=False)
        for event in records:
            handler = projection.HANDLERS[event.TYPE]
            await handler(ctx, wrap(event, producer="test"))


def signed(key: NodeKey, query: str) -> dict[str, str]:
    return sign_request(key, "GET", PATH, query, int(time.time()))


async def test_a_peer_reads_an_origins_records_in_order_after_a_sequence_number(
    node_client: httpx.AsyncClient, database: Database
) -> None:
    records = chain(ORIGIN, ["a", "b", "c"])
    await hold(database, [NodeRecordAppended(record=r) for r in reversed(records)])
    query = urlencode({"origin": ORIGIN.address, "after": 1, "limit": 5})
    answer = await node_client.get(f"{PATH}?{query}", headers=signed(PEER, query))
    assert answer.status_code == 200
    assert [read_record(r) for r in answer.json()["records"]] == records[1:]


async def test_records_are_refused_to_a_key_that_is_not_a_peer(
    node_client: httpx.AsyncClient,
) -> None:
    query = urlencode({"origin": ORIGIN.address, "after": 0})
    answer = await node_client.get(f"{PATH}?{query}", headers=signed(STRANGER, query))
    assert answer.status_code == 401
    assert answer.json()["error"]["reason"] == "NOT_A_PEER"
    assert (await node_client.get(f"{PATH}?{query}")).status_code == 401


async def test_the_frontier_names_the_last_contiguous_record_and_its_hash(
    node_client: httpx.AsyncClient, database: Database
) -> None:
    records = chain(ORIGIN, ["a", "b"])
    await hold(database, [NodeRecordAppended(record=r) for r in records])
    headers = sign_request(PEER, "GET", "/apis/v1/node/frontier", "", int(time.time()))
    answer = await node_client.get("/apis/v1/node/frontier", headers=headers)
    assert answer.json()["frontier"] == {ORIGIN.address: {"seq": 2, "hash": records[1].hash}}


async def test_evidence_and_the_state_hash_are_public_and_the_hash_names_its_frontier(
    node_client: httpx.AsyncClient, database: Database
) -> None:
    (one,) = chain(ORIGIN, ["a"])
    (other,) = chain(ORIGIN, ["b"])
    await hold(database, [NodeRecordAppended(record=one)])
    before = (await node_client.get("/apis/v1/node/state-hash")).json()
    await hold(database, [PeerMisbehaved(evidence=equivocation(one, other))])
    (found,) = (await node_client.get("/apis/v1/node/evidence")).json()["evidence"]
    assert found["kind"] == "equivocation" and found["origin"] == ORIGIN.address
    after = (await node_client.get("/apis/v1/node/state-hash")).json()
    assert before == after and after["frontier"] == {ORIGIN.address: 1}
