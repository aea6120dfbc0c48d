"""The storage service's chat table: each conversation's newest CID."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from pushnode_shared.infra import columns as col
from pushnode_storage.adapters.db import metadata

heads = sa.Table(
    "storage_chat_heads",
    metadata,
    sa.Column("conversation", sa.String(210), primary_key=True),
    sa.Column("cid", sa.String(100), nullable=False),
    col.ident("message_id"),
)
STATE_TABLES = [heads.name]


async def head(
    session: AsyncSession | AsyncConnection, conversation: str
) -> tuple[str, str] | None:
    """(cid, message_id) of the conversation's newest stored message, or None."""
    query = sa.select(heads.c.cid, heads.c.message_id).where(heads.c.conversation == conversation)
    row = (await session.execute(query)).first()
    return None if row is None else (row[0], row[1])


async def set_head(session: AsyncSession, conversation: str, cid: str, message_id: str) -> None:
    """The conversation's newest message is now `cid`."""
    if await head(session, conversation) is None:
        await session.execute(
            sa.insert(heads).values(conversation=conversation, cid=cid, message_id=message_id)
        )
    else:
        await session.execute(
            sa.update(heads)
            .where(heads.c.conversation == conversation)
            .values(cid=cid, message_id=message_id)
        )
