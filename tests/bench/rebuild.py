"""Scenario "rebuild": replay N stored messages into a fresh gateway feed projection.

Figure: events/s through the real gateway handlers and PostgreSQL, offsets committed with the
rows (the same process_batch a live rebuild uses). Ceiling: the raw aiokafka read rate of the
same records, measured in the same run.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from datetime import UTC, datetime

import psycopg
from aiokafka import AIOKafkaConsumer

from pushnode_gateway import db as gateway_db
from pushnode_gateway.bootstrap import MIGRATIONS
from pushnode_gateway.feeds import projection
from pushnode_shared.infra.consumer import ConsumerSpec
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.kafka import Producer, ensure_topics, topic_partitions
from pushnode_shared.infra.rebuild import replay
from pushnode_shared.protocol.events import MessageStored, Recipient, wrap
from pushnode_shared.protocol.topics import Topic
from tests.bench.harness import Row

KAFKA = "127.0.0.1:9092"
PG_ADMIN = "postgresql://pushnode:pushnode@127.0.0.1:55432/pushnode"


def message(n: int) -> MessageStored:
    return MessageStored(
        notification_id=str(uuid.UUID(int=n)),
        cid="bafkreibench",
        channel="0x" + f"{n % 50:040x}",
        chain_id=11155111,
        sender="eip155:11155111:0x0",
        recipients=[Recipient(address="0x" + f"{n % 5000:040x}", spam=n % 3 == 0)],
        payload={"notification": {"title": "t", "body": "b"}, "data": {"type": "3"}},
        verification_proof="eip712v2:0x00",
        source="ETH_TEST_SEPOLIA",
        submitted_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


async def fill(topic: Topic, count: int) -> None:
    producer = Producer(KAFKA, "bench")
    await producer.start()
    try:
        batch = 5000
        for start in range(0, count, batch):
            items = [
                (topic, wrap(message(n), producer="bench"))
                for n in range(start, min(count, start + batch))
            ]
            await producer.publish_many(items)
            print(
                f"\r[bench] produced {min(count, start + batch):,}/{count:,}",
                end="",
                file=sys.stderr,
            )
        print(file=sys.stderr)
    finally:
        await producer.stop()


async def raw_read_rate(topic: Topic) -> float:
    consumer = AIOKafkaConsumer(bootstrap_servers=KAFKA, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = await topic_partitions(KAFKA, [topic])
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        total, started = 0, time.perf_counter()
        while any([await consumer.position(tp) < ends[tp] for tp in partitions]):
            batch = await consumer.getmany(timeout_ms=1000, max_records=2000)
            total += sum(len(records) for records in batch.values())
        return total / (time.perf_counter() - started)
    finally:
        await consumer.stop()


async def scenario(args: argparse.Namespace) -> list[Row]:
    count = args.rebuild_events
    topic = Topic(f"bench-stored-{uuid.uuid4().hex[:6]}", key="channel", carries="bench")
    await ensure_topics(KAFKA, [topic])
    await fill(topic, count)
    name = f"pushnode_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    database = Database(
        f"postgresql+asyncpg://pushnode:pushnode@127.0.0.1:55432/{name}", "gateway", MIGRATIONS
    )
    await database.upgrade()
    spec = ConsumerSpec("bench-rebuild", (topic,), projection.HANDLERS, gateway_db.offsets)
    started = time.perf_counter()
    replayed = await replay(spec, database, KAFKA)
    rate = replayed / (time.perf_counter() - started)
    await database.dispose()
    ceiling = await raw_read_rate(topic)
    return [
        Row(
            "rebuild",
            f"replay {replayed:,} events into feeds",
            rate,
            "events/s",
            ">= 20,000",
            ceiling,
        ),
        Row("rebuild", "raw consumer read (ceiling)", ceiling, "events/s", "-", None),
    ]
