"""Notifications withdrawn after acceptance (a reorg removed their chain log): never pushed."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from pushnode_dispatcher.adapters.db import withdrawn
from pushnode_shared.infra.db import insert_ignore_many


async def record(session: AsyncSession, notification_id: str, reason: str) -> None:
    """Remember the withdrawal (a replayed record changes nothing)."""
    await insert_ignore_many(
        session, withdrawn, [{"notification_id": notification_id, "reason": reason}]
    )


async def is_withdrawn(session: AsyncSession, notification_id: str) -> bool:
    found = await session.execute(
        sa.select(withdrawn.c.notification_id).where(withdrawn.c.notification_id == notification_id)
    )
    return found.first() is not None
