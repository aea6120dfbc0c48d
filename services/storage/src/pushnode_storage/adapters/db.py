"""The storage service's tables: the CID index."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from pushnode_shared.infra import columns as col
from pushnode_shared.infra.db import offsets_table

metadata = sa.MetaData()
messages = sa.Table(
    "storage_messages",
    metadata,
    col.ident("notification_id", key=True),
    sa.Column("cid", sa.String(100), nullable=False),
    col.address("channel"),
    sa.Column("size", sa.Integer, nullable=False),
)
offsets = offsets_table(metadata, "storage")
STATE_TABLES = [messages.name]


async def record(
    session: AsyncSession, notification_id: str, cid: str, channel: str, size: int
) -> None:
    """Index a stored message; a replayed record with the same id is left as it is."""
    exists = await session.execute(
        sa.select(messages.c.cid).where(messages.c.notification_id == notification_id)
    )
    if exists.first() is None:
        await session.execute(
            sa.insert(messages).values(
                notification_id=notification_id, cid=cid, channel=channel, size=size
            )
        )
