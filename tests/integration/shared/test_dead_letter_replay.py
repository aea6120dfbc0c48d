"""Dead-letter replay on real Kafka: a record parked by a failing handler is listed, and once
the handler is fixed a replay brings it into the view exactly once."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa

from pushnode_shared.infra import dlq
from pushnode_shared.infra.consumer import ConsumerSpec, HandlerContext, ProjectionConsumer
from pushnode_shared.infra.db import Database, offsets_table
from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.infra.kafka import Producer, ensure_topics
from pushnode_shared.protocol.events import ChannelCreated, wrap
from pushnode_shared.protocol.topics import DEAD_LETTERS, Topic
from tests.support.consuming import run_until_caught_up
from tests.support.databases import database_with

schema = sa.MetaData()
handled = sa.Table("dlq_handled", schema, sa.Column("event_id", sa.String(64), primary_key=True))
positions = offsets_table(schema, "dlqtest")
broken = {"identity": "poison"}


async def remember(ctx: HandlerContext, envelope: Envelope) -> None:
    """Fails on the poison identity while `broken` says so, like a handler with a bug."""
    if envelope.payload["identity"] == broken["identity"]:
        raise ValueError("handler bug")
    await ctx.session.execute(sa.insert(handled).values(event_id=envelope.event_id))


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    async with database_with(database_url, schema, "dlqtest") as db:
        yield db


async def stored_up_to(db: Database, end: int) -> bool:
    """The consumer's stored offsets cover the first `end` records."""
    async with db.engine.connect() as conn:
        total = await conn.scalar(sa.select(sa.func.max(positions.c.offset) + 1))
    return int(total or 0) >= end


async def handled_ids(db: Database) -> list[str]:
    async with db.engine.connect() as conn:
        return sorted(r.event_id for r in await conn.execute(sa.select(handled)))


async def test_a_parked_record_is_listed_then_replayed_into_the_view_once(
    database: Database, kafka: str
) -> None:
    topic = Topic(f"dlqtest-{uuid.uuid4().hex[:8]}", key="test", carries="test", partitions=1)
    await ensure_topics(kafka, [topic, DEAD_LETTERS])
    name = f"dlqtest-{topic.name}"
    spec = ConsumerSpec(
        name=name, topics=(topic,), handlers={"ChannelCreated": remember}, offsets=positions
    )
    sent = [
        wrap(
            ChannelCreated(channel="0x1", chain_id=1, channel_type=2, identity=i, block_number=n),
            producer="dlqtest",
        )
        for n, i in enumerate(["fine-1", "poison", "fine-2"])
    ]
    bus = Producer(kafka, "dlqtest")
    await bus.start()
    try:
        await bus.publish_many([(topic, e) for e in sent])
        runner = ProjectionConsumer(spec, database, bus, kafka)
        await run_until_caught_up(runner, lambda: stored_up_to(database, 3))
        assert await handled_ids(database) == sorted([sent[0].event_id, sent[2].event_id])

        parked = [p for p in await dlq.read_parked(kafka) if p.letter.consumer == name]
        assert [(p.letter.offset, p.replayed) for p in parked] == [(1, False)]

        broken["identity"] = "nothing is broken any more"
        assert await dlq.replay(kafka, dlq.select(parked), operator="test", progress=False) == 1
        runner = ProjectionConsumer(spec, database, bus, kafka)
        await run_until_caught_up(runner, lambda: stored_up_to(database, 4))
        assert await handled_ids(database) == sorted(e.event_id for e in sent)

        again = [p for p in await dlq.read_parked(kafka) if p.letter.consumer == name]
        assert [p.replayed for p in again] == [True]
        assert dlq.select(again) == []
    finally:
        await bus.stop()
