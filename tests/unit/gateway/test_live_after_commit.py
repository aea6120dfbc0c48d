"""The live feed emits a record only once its projection has committed it (read after event)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiokafka import ConsumerRecord, TopicPartition

from pushnode_gateway import db as gateway_db
from pushnode_gateway.bootstrap import MIGRATIONS
from pushnode_gateway.sockets.committed import Committed
from pushnode_shared.infra.consumer import ConsumerSpec, HandlerContext, process_batch
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.envelope import Envelope, to_record
from pushnode_shared.protocol.events import ChannelStateChanged, wrap
from pushnode_shared.protocol.topics import MESSAGES_STORED
from tests.support.databases import migrated_sqlite

TOPIC = MESSAGES_STORED.name
CHANNEL = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with migrated_sqlite(tmp_path / "g.sqlite", "gateway", MIGRATIONS) as database:
        yield database


def batch(count: int) -> dict[TopicPartition, list[ConsumerRecord[Any, Any]]]:
    event = ChannelStateChanged(channel=CHANNEL, chain_id=1, active=False, cause="blocked")
    records = []
    for offset in range(count):
        key, value, headers = to_record(wrap(event, producer="test"))
        records.append(
            ConsumerRecord(TOPIC, 0, offset, 0, 0, key, value, None, len(key), len(value), headers)
        )
    return {TopicPartition(TOPIC, 0): records}


def committed(db: Database) -> Committed:
    return Committed(db, gateway_db.offsets, {TOPIC: "gateway-feeds"})


async def test_a_projection_reports_the_offsets_it_committed_after_the_commit(db: Database) -> None:
    seen: list[tuple[Mapping[tuple[str, int], int], list[Any]]] = []

    async def after_commit(offsets: Mapping[tuple[str, int], int]) -> None:
        async with db.engine.connect() as conn:  # a reader outside the batch's transaction
            rows = (await conn.execute(sa.select(gateway_db.offsets.c.offset))).scalars()
            seen.append((offsets, list(rows)))

    async def handler(ctx: HandlerContext, envelope: Envelope) -> None:
        return None

    spec = ConsumerSpec(
        "gateway-feeds",
        (MESSAGES_STORED,),
        {"ChannelStateChanged": handler},
        gateway_db.offsets,
        after_commit=after_commit,
    )
    await process_batch(spec, db, None, batch(3), replay=False)
    await process_batch(spec, db, None, batch(3), replay=True)
    assert seen == [({(TOPIC, 0): 2}, [2])]


async def test_the_gate_waits_until_the_projection_has_committed_the_record(db: Database) -> None:
    gate = committed(db)
    waiting = asyncio.create_task(gate.until(TOPIC, 0, 4))
    await asyncio.sleep(0)
    await gate.advance({(TOPIC, 0): 3})
    await asyncio.sleep(0)
    assert not waiting.done()
    await gate.advance({(TOPIC, 0): 4})
    await asyncio.wait_for(waiting, 5)


async def test_the_gate_reads_a_commit_another_process_made(db: Database) -> None:
    async with db.engine.begin() as conn:
        await conn.execute(
            sa.insert(gateway_db.offsets).values(
                consumer="gateway-feeds", topic=TOPIC, partition=1, offset=9
            )
        )
    await asyncio.wait_for(committed(db).until(TOPIC, 1, 9), 5)


def test_a_topic_no_projection_shows_is_not_held() -> None:
    gate = Committed(None, gateway_db.offsets, {TOPIC: "gateway-feeds"})  # type: ignore[arg-type]
    assert gate.covers("other", 0, 100)
    assert not gate.covers(TOPIC, 0, 0)
