"""The node API's peers come from registry decisions too: a joined node may read, a removed not."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

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
from pushnode_shared.protocol.events import Event, PeerRegistered, PeerRemoved, PeerRetracted, wrap
from pushnode_shared.protocol.network.auth import sign_request
from pushnode_shared.protocol.network.keys import NodeKey
from pushnode_shared.testing import InMemoryProducer

NODE, JOINER = NodeKey.generate(), NodeKey.generate()
PATH = "/apis/v1/node/frontier"
CHAIN = 11155111


@pytest.fixture
def identity(database: Database) -> NodeIdentity:
    return NodeIdentity(NODE, [], database, cache_seconds=0)


@pytest.fixture
async def client(
    database: Database, identity: NodeIdentity, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    producer: Any = InMemoryProducer()
    app = create_app(
        Settings(PUSHNODE_DATA_DIR=tmp_path),
        producer,
        database,
        FeedSockets(),
        Readiness(),
        node_identity=identity,
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
        yield http


async def decide(database: Database, *decisions: Event) -> None:
    async with database.transaction() as session:
        ctx = HandlerContext(session=session, replay=False)
        for decision in decisions:
            await projection.HANDLERS[decision.TYPE](ctx, wrap(decision, producer="validator"))


async def asks(client: httpx.AsyncClient) -> int:
    headers = sign_request(JOINER, "GET", PATH, "", int(time.time()))
    return (await client.get(PATH, headers=headers)).status_code


def joined(observation: str, url: str = "http://joiner:4100") -> PeerRegistered:
    return PeerRegistered(node=JOINER.address, chain_id=CHAIN, observation=observation, url=url)


async def test_a_node_registered_on_chain_may_read_and_is_listed_until_it_is_removed(
    client: httpx.AsyncClient, database: Database, identity: NodeIdentity
) -> None:
    assert await asks(client) == 401
    await decide(database, joined("o1"))
    assert await asks(client) == 200
    assert [p.url for p in await identity.peers()] == ["http://joiner:4100"]
    await decide(database, PeerRemoved(node=JOINER.address, chain_id=CHAIN, observation="o2"))
    assert await asks(client) == 401


async def test_a_retracted_move_is_read_back_at_the_old_url(
    database: Database, identity: NodeIdentity
) -> None:
    await decide(database, joined("o1"), joined("o2", "http://moved:4100"), joined("o1"))
    assert [p.url for p in await identity.peers()] == ["http://moved:4100"]
    await decide(database, PeerRetracted(node=JOINER.address, chain_id=CHAIN, observation="o2"))
    assert [p.url for p in await identity.peers()] == ["http://joiner:4100"]
