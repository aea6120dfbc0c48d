"""The registry decisions the gateway folds hash the same live and after a rebuild on
PostgreSQL, whose sequences keep counting through rolled-back batches and `DELETE FROM`."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from pushnode_gateway.bootstrap import MIGRATIONS
from pushnode_gateway.network import projection
from pushnode_gateway.network.adapters import peer_decisions
from pushnode_shared.infra.consumer import HandlerContext
from pushnode_shared.infra.db import Database
from pushnode_shared.protocol.events import Event, PeerRegistered, PeerRetracted, wrap
from pushnode_shared.protocol.network.keys import NodeKey

JOINER = NodeKey.generate().address
CHAIN = 11155111
TABLES = [peer_decisions.name]


def joined(observation: str, url: str = "http://joiner:4100") -> PeerRegistered:
    return PeerRegistered(node=JOINER, chain_id=CHAIN, observation=observation, url=url)


async def decide(database: Database, *decisions: Event) -> None:
    async with database.transaction() as session:
        ctx = HandlerContext(session=session, replay=False)
        for decision in decisions:
            await projection.HANDLERS[decision.TYPE](ctx, wrap(decision, producer="validator"))


async def test_peer_decisions_hash_the_same_after_a_rolled_back_batch_and_a_rebuild(
    database_url: str,
) -> None:
    database = Database(database_url, "gateway", MIGRATIONS)
    await database.upgrade()
    story: list[Event] = [
        joined("o1"),
        joined("o2", "http://moved:4100"),
        PeerRetracted(node=JOINER, chain_id=CHAIN, observation="o2"),
        joined("o3"),
    ]
    try:
        await decide(database, story[0])
        with pytest.raises(RuntimeError):  # a batch the broker failed: nothing of it stays
            async with database.transaction() as session:
                ctx = HandlerContext(session=session, replay=False)
                await projection.HANDLERS["PeerRegistered"](
                    ctx, wrap(joined("o2"), producer="validator")
                )
                raise RuntimeError("the broker went away before the commit")
        await decide(database, *story[1:])
        live = await database.state_hash(TABLES)
        async with database.transaction() as session:  # what `pushnode rebuild` does first
            await session.execute(sa.delete(peer_decisions))
        await decide(database, *story)
        assert await database.state_hash(TABLES) == live
    finally:
        await database.dispose()
