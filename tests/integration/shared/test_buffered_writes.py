"""Buffered writes: handlers queue rows, the consumer writes them in one statement per batch,
inside the batch's transaction, and a poison record's rows never reach the view."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import sqlalchemy as sa

from pushnode_shared.infra.consumer import ConsumerSpec, HandlerContext, ProjectionConsumer
from pushnode_shared.infra.db import Database, offsets_table
from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.infra.kafka import Producer, ensure_topics
from pushnode_shared.protocol.events import ChannelCreated, wrap
from pushnode_shared.protocol.topics import DEAD_LETTERS, Topic
from tests.support.consuming import run_until_caught_up
from tests.support.databases import database_with

schema = sa.MetaData()
rows = sa.Table(
    "buffered_rows",
    schema,
    sa.Column("identity", sa.String(64), primary_key=True),
    sa.Column("block", sa.Integer, nullable=False),
)
positions = offsets_table(schema, "buffered")
statements: list[int] = []


async def queue_row(ctx: HandlerContext, envelope: Envelope) -> None:
    async def write(pending: list[dict[str, Any]]) -> None:
        statements.append(len(pending))
        await ctx.session.execute(sa.insert(rows), pending)

    ctx.buffer("rows", write).append(
        {"identity": envelope.payload["identity"], "block": envelope.payload["block_number"]}
    )
    if envelope.payload["identity"] == "poison":
        raise ValueError("a handler bug after queueing its row")


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    async with database_with(database_url, schema, "buffered") as db:
        yield db


async def consume(database: Database, kafka: str, identities: list[str]) -> dict[str, int]:
    topic = Topic(f"buffered-{uuid.uuid4().hex[:8]}", key="test", carries="test", partitions=1)
    await ensure_topics(kafka, [topic, DEAD_LETTERS])
    spec = ConsumerSpec(
        f"buffered-{topic.name}", (topic,), {"ChannelCreated": queue_row}, positions
    )
    bus = Producer(kafka, "buffered")
    await bus.start()
    try:
        await bus.publish_many(
            [
                (
                    topic,
                    wrap(
                        ChannelCreated(
                            channel="0x1", chain_id=1, channel_type=2, identity=i, block_number=n
                        ),
                        producer="t",
                    ),
                )
                for n, i in enumerate(identities)
            ]
        )
        await run_until_caught_up(ProjectionConsumer(spec, database, bus, kafka))
    finally:
        await bus.stop()
    async with database.engine.connect() as conn:
        return {r.identity: r.block for r in await conn.execute(sa.select(rows))}


async def test_a_batch_of_rows_is_written_in_one_statement(database: Database, kafka: str) -> None:
    statements.clear()
    written = await consume(database, kafka, [f"row-{n}" for n in range(50)])
    assert written == {f"row-{n}": n for n in range(50)}
    assert sum(statements) == 50 and len(statements) < 50


async def test_a_poison_records_queued_row_is_dropped_with_it(
    database: Database, kafka: str
) -> None:
    written = await consume(database, kafka, ["before", "poison", "after"])
    assert written == {"before": 0, "after": 2}
