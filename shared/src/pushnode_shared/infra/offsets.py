"""Where a consumer's progress lives: the last processed offset per (topic, partition), in
the service database beside the rows it projected, so both commit in one transaction."""

from __future__ import annotations

import sqlalchemy as sa
from aiokafka import TopicPartition
from sqlalchemy.ext.asyncio import AsyncSession

from pushnode_shared.infra.context import ConsumerSpec
from pushnode_shared.infra.db import Database


async def load_offsets(db: Database, spec: ConsumerSpec) -> dict[tuple[str, int], int]:
    """The last processed offset per (topic, partition) for this consumer."""
    table = spec.offsets
    async with db.engine.connect() as conn:
        rows = await conn.execute(
            sa.select(table.c.topic, table.c.partition, table.c.offset).where(
                table.c.consumer == spec.name
            )
        )
        return {(r.topic, r.partition): r.offset for r in rows}


async def stored_offsets(session: AsyncSession, spec: ConsumerSpec) -> dict[tuple[str, int], int]:
    """The same, read inside the batch's transaction."""
    table = spec.offsets
    rows = await session.execute(
        sa.select(table.c.topic, table.c.partition, table.c.offset).where(
            table.c.consumer == spec.name
        )
    )
    return {(r.topic, r.partition): r.offset for r in rows}


async def save_offset(
    session: AsyncSession, spec: ConsumerSpec, tp: TopicPartition, offset: int
) -> None:
    """Record `offset` as processed, in the batch's transaction."""
    table = spec.offsets
    where = (
        (table.c.consumer == spec.name)
        & (table.c.topic == tp.topic)
        & (table.c.partition == tp.partition)
    )
    result = await session.execute(sa.update(table).where(where).values(offset=offset))
    if result.rowcount == 0:  # type: ignore[attr-defined]
        await session.execute(
            sa.insert(table).values(
                consumer=spec.name, topic=tp.topic, partition=tp.partition, offset=offset
            )
        )
