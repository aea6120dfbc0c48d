"""Replay guards' tables: the signed content of every accepted notification, and every opt-in
or opt-out signature applied, so a captured signature changes nothing a second time."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from pushnode_shared.infra import columns as col
from pushnode_validator.adapters.db import metadata

# Notice.content_id of each *accepted* notification (rejected content is not recorded: a
# forged proof over predictable content would otherwise block the real one).
signed_contents = sa.Table(
    "validator_signed_contents",
    metadata,
    col.ident("content_id", key=True),
    col.ident("notification_id"),
    col.address("channel"),
)
# domain.optins.signed_id of each opt-in/out that changed a subscription.
applied_optins = sa.Table(
    "validator_applied_optins",
    metadata,
    col.ident("optin_id", key=True),
    col.address("channel"),
    col.address("subscriber"),
)
STATE_TABLES = [signed_contents.name, applied_optins.name]


async def contents_among(session: AsyncSession, ids: Iterable[str]) -> set[str]:
    """Which of these content ids belong to a notification accepted before."""
    wanted = sorted(set(ids))
    if not wanted:
        return set()
    column = signed_contents.c.content_id
    return {str(i) for (i,) in await session.execute(sa.select(column).where(column.in_(wanted)))}


async def insert_contents(session: AsyncSession, rows: list[dict[str, object]]) -> None:
    """Remember the signed content of the batch's accepted notifications."""
    if rows:
        await session.execute(sa.insert(signed_contents), rows)


async def forget_contents_of(session: AsyncSession, notification_id: str) -> None:
    """A withdrawn notification's content no longer counts as accepted (reorg, mined again)."""
    column = signed_contents.c.notification_id
    await session.execute(sa.delete(signed_contents).where(column == notification_id))


async def optin_applied(session: AsyncSession, optin_id: str) -> bool:
    """Whether this signed opt-in/out was applied before."""
    query = sa.select(applied_optins.c.optin_id).where(applied_optins.c.optin_id == optin_id)
    return (await session.execute(query)).first() is not None


async def record_optin(session: AsyncSession, optin_id: str, channel: str, subscriber: str) -> None:
    """Remember an applied opt-in/out signature."""
    await session.execute(
        sa.insert(applied_optins).values(optin_id=optin_id, channel=channel, subscriber=subscriber)
    )
