"""The listener's cursor table: a projection of the chain-cursors topic."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from pushnode_shared.db import Database, offsets_table

metadata = sa.MetaData()
cursors = sa.Table(
    "listener_cursors",
    metadata,
    sa.Column("chain_id", sa.BigInteger, primary_key=True),
    sa.Column("block_number", sa.BigInteger, nullable=False),
    sa.Column("block_hash", sa.String(66), nullable=False),
    sa.Column("logs_emitted", sa.BigInteger, nullable=False),
)
offsets = offsets_table(metadata, "listener")
STATE_TABLES = [cursors.name]


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


async def load_cursor(db: Database, chain_id: int) -> int | None:
    """The last block whose logs were all emitted, or None if the chain is new."""
    async with db.engine.connect() as conn:
        row = (
            await conn.execute(
                sa.select(cursors.c.block_number).where(cursors.c.chain_id == chain_id)
            )
        ).first()
    return None if row is None else int(row.block_number)
