"""The offset-tracking consumer on real Kafka and PostgreSQL: exactly-once into the view."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from pushnode_shared.infra.consumer import (
    ConsumerSpec,
    HandlerContext,
    ProjectionConsumer,
    TransientError,
)
from pushnode_shared.infra.db import Database, offsets_table
from pushnode_shared.infra.envelope import Envelope, from_record, to_record
from pushnode_shared.infra.kafka import Producer, ensure_topics
from pushnode_shared.infra.rebuild import replay
from pushnode_shared.protocol.events import ChannelCreated, wrap
from pushnode_shared.protocol.topics import DEAD_LETTERS, Topic
from tests.support.consuming import run_until_caught_up

metadata = sa.MetaData()
seen = sa.Table(
    "itest_seen",
    metadata,
    sa.Column("event_id", sa.String(64), primary_key=True),
    sa.Column("times", sa.Integer, nullable=False),
)
offsets = offsets_table(metadata, "itest")


async def count_once(ctx: HandlerContext, envelope: Envelope) -> None:
    """Counts how often each event reached the view: more than 1 would be a duplicate."""
    row = (
        await ctx.session.execute(sa.select(seen).where(seen.c.event_id == envelope.event_id))
    ).first()
    if row is None:
        await ctx.session.execute(sa.insert(seen).values(event_id=envelope.event_id, times=1))
    else:
        await ctx.session.execute(
            sa.update(seen).where(seen.c.event_id == envelope.event_id).values(times=row.times + 1)
        )


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url, "itest", Path("unused"))
    async with database.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield database
    await database.dispose()


@pytest.fixture
async def topic(kafka: str) -> Topic:
    created = Topic(f"itest-{uuid.uuid4().hex[:8]}", key="test", carries="test", partitions=2)
    await ensure_topics(kafka, [created, DEAD_LETTERS])
    return created


@pytest.fixture
async def producer(kafka: str) -> AsyncIterator[Producer]:
    bus = Producer(kafka, "itest")
    await bus.start()
    yield bus
    await bus.stop()


def event(n: int) -> Envelope:
    fact = ChannelCreated(
        channel=f"0x{n % 2}", chain_id=1, channel_type=2, identity=str(n), block_number=n
    )
    return wrap(fact, producer="itest")


async def view(db: Database) -> dict[str, int]:
    async with db.engine.connect() as conn:
        return {r.event_id: r.times for r in await conn.execute(sa.select(seen))}


def spec_for(topic: Topic, handler: object = count_once) -> ConsumerSpec:
    return ConsumerSpec(
        name=f"itest-{topic.name}",
        topics=(topic,),
        handlers={"ChannelCreated": handler},
        offsets=offsets,  # type: ignore[dict-item]
    )


async def test_each_event_reaches_the_view_once_and_offsets_are_stored_beside_it(
    db: Database, topic: Topic, producer: Producer, kafka: str
) -> None:
    sent = [event(n) for n in range(20)]
    await producer.publish_many([(topic, e) for e in sent])
    await run_until_caught_up(ProjectionConsumer(spec_for(topic), db, producer, kafka))
    assert await view(db) == {e.event_id: 1 for e in sent}
    async with db.engine.connect() as conn:
        stored = (await conn.execute(sa.select(sa.func.sum(offsets.c.offset + 1)))).scalar()
    assert stored == 20


async def test_a_restarted_consumer_resumes_after_its_stored_offsets_without_duplicates(
    db: Database, topic: Topic, producer: Producer, kafka: str
) -> None:
    first = [event(n) for n in range(10)]
    await producer.publish_many([(topic, e) for e in first])
    await run_until_caught_up(ProjectionConsumer(spec_for(topic), db, producer, kafka))
    second = [event(n) for n in range(10, 15)]
    await producer.publish_many([(topic, e) for e in second])
    await run_until_caught_up(ProjectionConsumer(spec_for(topic), db, producer, kafka))
    assert await view(db) == {e.event_id: 1 for e in first + second}


async def test_a_failed_batch_is_rolled_back_and_retried_without_loss_or_duplicates(
    db: Database, topic: Topic, producer: Producer, kafka: str
) -> None:
    sent = [event(n) for n in range(8)]
    await producer.publish_many([(topic, e) for e in sent])
    failures = {"left": 1}

    async def flaky(ctx: HandlerContext, envelope: Envelope) -> None:
        await count_once(ctx, envelope)
        if envelope.event_id == sent[5].event_id and failures["left"]:
            failures["left"] -= 1
            raise TransientError("the database blinked")

    await run_until_caught_up(ProjectionConsumer(spec_for(topic, flaky), db, producer, kafka))
    assert failures["left"] == 0
    assert await view(db) == {e.event_id: 1 for e in sent}


async def test_a_malformed_record_is_dead_lettered_and_the_stream_keeps_flowing(
    db: Database, topic: Topic, producer: Producer, kafka: str
) -> None:
    dead_start = await end_offset(kafka, DEAD_LETTERS.name)
    raw = AIOKafkaProducer(bootstrap_servers=kafka)
    await raw.start()
    try:
        await raw.send_and_wait(topic.name, b"{not an envelope", key=b"0x0", partition=0)
        unknown = event(99).model_copy(update={"schema_version": 42})
        key, value, headers = to_record(unknown)
        await raw.send_and_wait(topic.name, value, key=key, headers=headers, partition=0)
    finally:
        await raw.stop()
    good = event(1)
    await producer.publish(topic, good)

    async def strict(ctx: HandlerContext, envelope: Envelope) -> None:
        from pushnode_shared.protocol.events import payload_of

        payload_of(envelope, ChannelCreated)  # rejects the unknown schema version
        await count_once(ctx, envelope)

    await run_until_caught_up(ProjectionConsumer(spec_for(topic, strict), db, producer, kafka))
    assert await view(db) == {good.event_id: 1}
    letters = await read_from(kafka, DEAD_LETTERS.name, dead_start)
    mine = [e for e in letters if e.payload["topic"] == topic.name]
    assert len(mine) == 2
    assert any("not JSON" in e.payload["reason"] for e in mine)
    assert any("unknown event" in e.payload["reason"] for e in mine)


async def test_a_replay_into_an_empty_view_gives_the_same_rows(
    db: Database, topic: Topic, producer: Producer, kafka: str
) -> None:
    sent = [event(n) for n in range(12)]
    await producer.publish_many([(topic, e) for e in sent])
    await run_until_caught_up(ProjectionConsumer(spec_for(topic), db, producer, kafka))
    live = await db.state_hash(["itest_seen"])
    async with db.engine.begin() as conn:
        await conn.execute(sa.delete(seen))
        await conn.execute(sa.delete(offsets))
    assert await db.state_hash(["itest_seen"]) != live
    replayed = await replay(spec_for(topic), db, kafka, progress=False)
    assert replayed == 12
    assert await db.state_hash(["itest_seen"]) == live


async def end_offset(kafka: str, name: str) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka)
    await consumer.start()
    try:
        tp = TopicPartition(name, 0)
        return int((await consumer.end_offsets([tp]))[tp])
    finally:
        await consumer.stop()


async def read_from(kafka: str, name: str, start: int) -> list[Envelope]:
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka, enable_auto_commit=False)
    await consumer.start()
    try:
        tp = TopicPartition(name, 0)
        consumer.assign([tp])
        consumer.seek(tp, start)
        end = (await consumer.end_offsets([tp]))[tp]
        records = []
        while await consumer.position(tp) < end:
            batch = await consumer.getmany(tp, timeout_ms=1000)
            records.extend(batch.get(tp, []))
        return [from_record(r.value, r.headers) for r in records]
    finally:
        await consumer.stop()


async def test_a_batch_delivered_twice_is_projected_once(
    db: Database, topic: Topic, producer: Producer, kafka: str
) -> None:
    from pushnode_shared.infra.consumer import process_batch
    from pushnode_shared.infra.kafka import topic_partitions

    sent = [event(n) for n in range(6)]
    await producer.publish_many([(topic, e) for e in sent])
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = await topic_partitions(kafka, [topic])
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        batch: dict[TopicPartition, list[object]] = {}
        while sum(len(r) for r in batch.values()) < len(sent):
            for tp, records in (await consumer.getmany(timeout_ms=1000)).items():
                batch.setdefault(tp, []).extend(records)
    finally:
        await consumer.stop()
    spec = spec_for(topic)
    await process_batch(spec, db, producer, batch, replay=False)  # type: ignore[arg-type]
    await process_batch(spec, db, producer, batch, replay=False)  # type: ignore[arg-type]
    assert await view(db) == {e.event_id: 1 for e in sent}


async def test_a_record_the_database_refuses_is_dead_lettered_not_retried_forever(
    db: Database, topic: Topic, producer: Producer, kafka: str
) -> None:
    dead_start = await end_offset(kafka, DEAD_LETTERS.name)
    nul = ChannelCreated(
        channel="0x0", chain_id=1, channel_type=2, identity="a\x00b", block_number=1
    )
    poison, good = wrap(nul, producer="itest"), event(2)
    for envelope in (poison, good):
        await producer.publish(topic, envelope.model_copy(update={"key": "0x0"}))

    async def store_identity(ctx: HandlerContext, envelope: Envelope) -> None:
        # PostgreSQL text cannot hold NUL: a DataError, the same on every retry.
        identity = envelope.payload["identity"]
        await ctx.session.execute(sa.insert(seen).values(event_id=identity, times=1))

    runner = ProjectionConsumer(spec_for(topic, store_identity), db, producer, kafka)
    await run_until_caught_up(runner)
    assert await view(db) == {"2": 1}
    letters = await read_from(kafka, DEAD_LETTERS.name, dead_start)
    mine = [e for e in letters if e.payload["topic"] == topic.name]
    assert len(mine) == 1
    assert mine[0].payload["offset"] == 0
