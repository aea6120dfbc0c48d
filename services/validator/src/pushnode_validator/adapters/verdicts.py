"""A recorded verdict read and forgotten one at a time: a reorg withdraws an accepted one."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from pushnode_validator.adapters.db import notifications


async def verdict_of(session: AsyncSession, notification_id: str) -> bool | None:
    """Whether a judged notification was accepted; None if it was never judged."""
    found = await session.execute(
        sa.select(notifications.c.accepted).where(
            notifications.c.notification_id == notification_id
        )
    )
    row = found.first()
    return None if row is None else bool(row.accepted)


async def forget_verdict(session: AsyncSession, notification_id: str) -> None:
    """A withdrawn notification is judged afresh if its log is mined again."""
    await session.execute(
        sa.delete(notifications).where(notifications.c.notification_id == notification_id)
    )
