"""The gateway's channel registry on an embedded database: decisions in, rows out, replay-safe."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiokafka import ConsumerRecord, TopicPartition

from pushnode_gateway import db as gateway_db
from pushnode_gateway.bootstrap import MIGRATIONS
from pushnode_gateway.channels import projection
from pushnode_shared.infra.consumer import ConsumerSpec, HandlerContext, process_batch
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.envelope import Envelope, derive_id, to_record
from pushnode_shared.protocol.events import (
    ChannelCreated,
    ChannelStateChanged,
    DelegateAdded,
    DelegateRemoved,
    Event,
    SubscriptionAdded,
    SubscriptionRemoved,
    wrap,
)
from pushnode_shared.protocol.topics import PROTOCOL_DECISIONS
from tests.support.databases import migrated_sqlite

CHANNEL = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"
ALICE = "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc"
BOB = "0x90f79bf6eb2c4f870365e785982e1f101e93b906"
SEPOLIA, AMOY = 11155111, 80002
AT = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with migrated_sqlite(tmp_path / "g.sqlite", "gateway", MIGRATIONS) as database:
        yield database


def decision(event: Event, n: int) -> Envelope:
    """A validator decision with the deterministic id a replay would carry again."""
    return wrap(event, producer="validator", event_id=derive_id("test", str(n)), occurred_at=AT)


def history() -> list[Envelope]:
    facts: list[Event] = [
        SubscriptionAdded(channel=CHANNEL, subscriber=BOB, chain_id=AMOY),  # before the channel
        ChannelCreated(
            channel=CHANNEL,
            chain_id=SEPOLIA,
            channel_type=2,
            identity="1+bafkreiexample",
            block_number=7,
        ),
        SubscriptionAdded(channel=CHANNEL, subscriber=ALICE, chain_id=SEPOLIA),
        SubscriptionAdded(channel=CHANNEL, subscriber=ALICE, chain_id=SEPOLIA),  # again
        DelegateAdded(channel=CHANNEL, delegate=BOB, chain_id=SEPOLIA),
        DelegateAdded(channel=CHANNEL, delegate=BOB, chain_id=AMOY),
        DelegateRemoved(channel=CHANNEL, delegate=BOB, chain_id=AMOY),
    ]
    return [decision(f, n) for n, f in enumerate(facts)]


async def handle(db: Database, envelope: Envelope) -> None:
    handler = projection.HANDLERS[envelope.type]
    async with db.transaction() as session:
        await handler(HandlerContext(session=session, replay=False), envelope)


async def rows(db: Database, table: sa.Table) -> list[dict[str, Any]]:
    async with db.engine.connect() as conn:
        result = await conn.execute(sa.select(table).order_by(*table.primary_key.columns))
        return [dict(r._mapping) for r in result]


async def test_decisions_become_a_channel_its_subscriptions_and_its_delegates(db: Database) -> None:
    for envelope in history():
        await handle(db, envelope)
    [channel] = await rows(db, gateway_db.channels)
    assert channel == {
        "channel": CHANNEL,
        "chain_id": SEPOLIA,
        "channel_type": 2,
        "identity": "1+bafkreiexample",
        "active": True,
        "blocked": False,
        "created_block": 7,
        "created_at": "2026-01-01T12:00:00Z",
        "subscriber_count": 2,
    }
    subscribers = [
        (r["subscriber"], r["chain_id"]) for r in await rows(db, gateway_db.subscriptions)
    ]
    assert subscribers == [(ALICE, SEPOLIA), (BOB, AMOY)]
    assert await rows(db, gateway_db.delegates) == [
        {"channel": CHANNEL, "chain_id": SEPOLIA, "delegate": BOB}
    ]


async def test_an_unsubscribe_lowers_the_count_once(db: Database) -> None:
    for envelope in history():
        await handle(db, envelope)
    gone = decision(SubscriptionRemoved(channel=CHANNEL, subscriber=ALICE, chain_id=SEPOLIA), 99)
    await handle(db, gone)
    await handle(db, gone)
    [channel] = await rows(db, gateway_db.channels)
    assert channel["subscriber_count"] == 1
    assert [r["subscriber"] for r in await rows(db, gateway_db.subscriptions)] == [BOB]


@pytest.mark.parametrize(
    ("cause", "active", "blocked"), [("deactivated", False, False), ("blocked", False, True)]
)
async def test_a_state_change_deactivates_or_blocks_the_channel(
    db: Database, cause: str, active: bool, blocked: bool
) -> None:
    for envelope in history():
        await handle(db, envelope)
    change = ChannelStateChanged(channel=CHANNEL, chain_id=SEPOLIA, active=active, cause=cause)
    await handle(db, decision(change, 50))
    [channel] = await rows(db, gateway_db.channels)
    assert (channel["active"], channel["blocked"]) == (active, blocked)


async def test_a_state_change_for_an_unknown_channel_changes_nothing(db: Database) -> None:
    change = ChannelStateChanged(channel=CHANNEL, chain_id=SEPOLIA, active=False, cause="blocked")
    await handle(db, decision(change, 1))
    assert await rows(db, gateway_db.channels) == []


def records(envelopes: list[Envelope]) -> dict[TopicPartition, list[ConsumerRecord[Any, Any]]]:
    tp = TopicPartition(PROTOCOL_DECISIONS.name, 0)
    batch = []
    for offset, envelope in enumerate(envelopes):
        key, value, headers = to_record(envelope)
        batch.append(
            ConsumerRecord(
                tp.topic, 0, offset, 0, 0, key, value, None, len(key), len(value), headers
            )
        )
    return {tp: batch}


async def test_replaying_the_same_records_changes_nothing(db: Database) -> None:
    spec = ConsumerSpec(
        name="gateway-protocol",
        topics=(PROTOCOL_DECISIONS,),
        handlers=projection.HANDLERS,
        offsets=gateway_db.offsets,
    )
    batch = records(history())
    await process_batch(spec, db, None, batch, replay=False)
    once = await db.state_hash(gateway_db.STATE_TABLES)
    await process_batch(spec, db, None, batch, replay=True)
    assert await db.state_hash(gateway_db.STATE_TABLES) == once
    [offset] = await rows(db, gateway_db.offsets)
    assert (offset["consumer"], offset["offset"]) == ("gateway-protocol", len(history()) - 1)
