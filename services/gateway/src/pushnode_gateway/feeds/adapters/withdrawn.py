"""Removing a withdrawn notification from every read model that shows it (a reorg dropped it)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from pushnode_gateway.channels.adapters.read_model import channel_notifications
from pushnode_gateway.db import feeds
from pushnode_gateway.feeds.adapters.inbox import broadcasts, held_back

# The tables the feed projection writes a stored notification into, by its buffer key.
TABLES: dict[str, sa.Table] = {
    "feeds": feeds,
    "broadcasts": broadcasts,
    "held_back": held_back,
    "channel_notifications": channel_notifications,
}


async def remove(session: AsyncSession, notification_id: str) -> None:
    """Delete its wallet rows, its broadcast (and held-back) rows and its channel-history row."""
    for table in TABLES.values():
        await session.execute(sa.delete(table).where(table.c.notification_id == notification_id))
