"""The listener's cursor tables: a projection of the chain-cursors topic.

`listener_cursors` holds each chain's last checkpoint; `listener_blocks` its reorg window (the
recent blocks it emitted past, with their hashes and logs), so a restart keeps both.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from pushnode_shared.infra import columns as col
from pushnode_shared.infra.db import Database, offsets_table
from pushnode_shared.protocol.events.chain import EmittedBlock, EmittedLog

metadata = sa.MetaData()
cursors = sa.Table(
    "listener_cursors",
    metadata,
    col.chain_id(key=True),
    sa.Column("block_number", sa.BigInteger, nullable=False),
    sa.Column("block_hash", sa.String(66), nullable=False),
    sa.Column("logs_emitted", sa.BigInteger, nullable=False),
)
blocks = sa.Table(
    "listener_blocks",
    metadata,
    col.chain_id(key=True),
    sa.Column("block_number", sa.BigInteger, primary_key=True),
    sa.Column("block_hash", sa.String(66), nullable=False),
    sa.Column("parent_hash", sa.String(66), nullable=False),
    sa.Column("logs", sa.Text, nullable=False),
)
offsets = offsets_table(metadata, "listener")
STATE_TABLES = [cursors.name, blocks.name]


async def save_cursor(
    session: AsyncSession, chain_id: int, block_number: int, block_hash: str, logs: int
) -> None:
    """Move a chain's cursor forward (never back: a replayed older checkpoint is ignored)."""
    row = (await session.execute(sa.select(cursors).where(cursors.c.chain_id == chain_id))).first()
    values = {"block_number": block_number, "block_hash": block_hash}
    if row is None:
        await session.execute(
            sa.insert(cursors).values(chain_id=chain_id, logs_emitted=logs, **values)
        )
    elif block_number > row.block_number:
        await session.execute(
            sa.update(cursors)
            .where(cursors.c.chain_id == chain_id)
            .values(logs_emitted=row.logs_emitted + logs, **values)
        )


async def rewind_cursor(
    session: AsyncSession, chain_id: int, block_number: int, block_hash: str
) -> None:
    """A reorg: the cursor goes back to the fork point and the dropped blocks are forgotten."""
    await session.execute(
        sa.update(cursors)
        .where((cursors.c.chain_id == chain_id) & (cursors.c.block_number > block_number))
        .values(block_number=block_number, block_hash=block_hash)
    )
    await session.execute(
        sa.delete(blocks).where(
            (blocks.c.chain_id == chain_id) & (blocks.c.block_number > block_number)
        )
    )


async def record_blocks(
    session: AsyncSession, chain_id: int, recorded: tuple[EmittedBlock, ...], window: int
) -> None:
    """Keep the recorded blocks, then forget those `window` or more below the newest."""
    if not recorded:
        return
    numbers = [b.number for b in recorded]
    mine = blocks.c.chain_id == chain_id
    await session.execute(sa.delete(blocks).where(mine & blocks.c.block_number.in_(numbers)))
    await session.execute(
        sa.insert(blocks),
        [
            {
                "chain_id": chain_id,
                "block_number": b.number,
                "block_hash": b.hash,
                "parent_hash": b.parent_hash,
                "logs": json.dumps([x.model_dump() for x in b.logs], sort_keys=True),
            }
            for b in recorded
        ],
    )
    newest = (
        await session.execute(sa.select(sa.func.max(blocks.c.block_number)).where(mine))
    ).scalar()
    await session.execute(
        sa.delete(blocks).where(mine & (blocks.c.block_number <= newest - window))
    )


async def load_cursor(db: Database, chain_id: int) -> int | None:
    """The last block whose logs were all emitted, or None if the chain is new."""
    async with db.engine.connect() as conn:
        row = (
            await conn.execute(
                sa.select(cursors.c.block_number).where(cursors.c.chain_id == chain_id)
            )
        ).first()
    return None if row is None else int(row.block_number)


async def load_window(db: Database, chain_id: int) -> list[EmittedBlock]:
    """The recorded recent blocks of a chain, oldest first."""
    async with db.engine.connect() as conn:
        rows = await conn.execute(
            sa.select(blocks).where(blocks.c.chain_id == chain_id).order_by(blocks.c.block_number)
        )
        return [
            EmittedBlock(
                number=r.block_number,
                hash=r.block_hash,
                parent_hash=r.parent_hash,
                logs=tuple(EmittedLog.model_validate(x) for x in json.loads(r.logs)),
            )
            for r in rows
        ]
