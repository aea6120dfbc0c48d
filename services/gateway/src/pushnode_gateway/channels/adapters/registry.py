"""Channel registry rows: channels, subscriptions, delegates; writes idempotent on replay.

Every write says whether it changed anything, so the subscriber count moves only when a
subscription row really appears or disappears: a replayed fact is a no-op.
"""

from __future__ import annotations

from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from pushnode_gateway.db import channels, delegates, subscriptions

Row = dict[str, Any]
SortKey = Literal["subscribers", "timestamp"]
Order = Literal["asc", "desc"]


async def upsert_channel(session: AsyncSession, values: Row) -> None:
    """Create the channel, or refresh it; the count is recomputed from its subscriptions."""
    count = await _count(session, subscriptions, subscriptions.c.channel == values["channel"])
    row = {**values, "active": True, "blocked": False, "subscriber_count": count}
    where = channels.c.channel == values["channel"]
    if await _exists(session, channels, where):
        await session.execute(sa.update(channels).where(where).values(**row))
    else:
        await session.execute(sa.insert(channels).values(**row))


async def set_channel_state(session: AsyncSession, channel: str, active: bool, cause: str) -> None:
    """Deactivate, reactivate or block; a state change for an unknown channel is ignored."""
    await session.execute(
        sa.update(channels)
        .where(channels.c.channel == channel)
        .values(active=active, blocked=cause == "blocked")
    )


async def update_identity(session: AsyncSession, channel: str, identity: str) -> None:
    """New metadata identity for a channel; an update of an unknown channel is ignored."""
    await session.execute(
        sa.update(channels).where(channels.c.channel == channel).values(identity=identity)
    )


async def add_subscription(
    session: AsyncSession, channel: str, subscriber: str, chain_id: int
) -> None:
    """Subscribe (once); the channel's count grows only when the row is new."""
    where = (subscriptions.c.channel == channel) & (subscriptions.c.subscriber == subscriber)
    if await _exists(session, subscriptions, where):
        return
    await session.execute(
        sa.insert(subscriptions).values(channel=channel, subscriber=subscriber, chain_id=chain_id)
    )
    await _bump(session, channel, +1)


async def remove_subscription(session: AsyncSession, channel: str, subscriber: str) -> None:
    """Unsubscribe; the count shrinks only when a row was deleted."""
    where = (subscriptions.c.channel == channel) & (subscriptions.c.subscriber == subscriber)
    result = await session.execute(sa.delete(subscriptions).where(where))
    if result.rowcount:  # type: ignore[attr-defined]
        await _bump(session, channel, -1)


async def add_delegate(session: AsyncSession, channel: str, chain_id: int, delegate: str) -> None:
    """Allow a delegate on one chain (once)."""
    where = (
        (delegates.c.channel == channel)
        & (delegates.c.chain_id == chain_id)
        & (delegates.c.delegate == delegate)
    )
    if not await _exists(session, delegates, where):
        await session.execute(
            sa.insert(delegates).values(channel=channel, chain_id=chain_id, delegate=delegate)
        )


async def remove_delegate(
    session: AsyncSession, channel: str, chain_id: int, delegate: str
) -> None:
    """Withdraw a delegate on one chain."""
    await session.execute(
        sa.delete(delegates).where(
            (delegates.c.channel == channel)
            & (delegates.c.chain_id == chain_id)
            & (delegates.c.delegate == delegate)
        )
    )


async def get_channel(conn: AsyncConnection, channel: str) -> Row | None:
    """One channel row, or None."""
    row = (await conn.execute(sa.select(channels).where(channels.c.channel == channel))).first()
    return dict(row._mapping) if row is not None else None


async def page_of_channels(
    conn: AsyncConnection,
    page: int,
    limit: int,
    sort: SortKey,
    order: Order,
    narrow: Any = None,
) -> tuple[list[Row], int]:
    """Channels that are not blocked (and meet `narrow`), sorted; ties broken by address so
    pages are stable."""
    where = channels.c.blocked.is_(False)
    if narrow is not None:
        where = where & narrow
    column = channels.c.subscriber_count if sort == "subscribers" else channels.c.created_at
    ordered = column.desc() if order == "desc" else column.asc()
    rows = await conn.execute(
        sa.select(channels)
        .where(where)
        .order_by(ordered, channels.c.channel.asc())
        .limit(limit)
        .offset((page - 1) * limit)
    )
    return [dict(r._mapping) for r in rows], await _count(conn, channels, where)


async def subscriptions_of(
    conn: AsyncConnection, subscriber: str, channel: str | None = None
) -> list[Row]:
    """The channels a wallet is subscribed to (optionally only one channel)."""
    where = subscriptions.c.subscriber == subscriber
    if channel is not None:
        where = where & (subscriptions.c.channel == channel)
    rows = await conn.execute(
        sa.select(subscriptions).where(where).order_by(subscriptions.c.channel)
    )
    return [dict(r._mapping) for r in rows]


async def page_of_subscribers(
    conn: AsyncConnection, channel: str, page: int, limit: int
) -> tuple[list[Row], int]:
    """A channel's subscribers in address order, and how many there are in all."""
    where = subscriptions.c.channel == channel
    rows = await conn.execute(
        sa.select(subscriptions)
        .where(where)
        .order_by(subscriptions.c.subscriber)
        .limit(limit)
        .offset((page - 1) * limit)
    )
    return [dict(r._mapping) for r in rows], await _count(conn, subscriptions, where)


async def delegates_of(conn: AsyncConnection, channel: str, chain_id: int | None) -> list[Row]:
    """A channel's delegates, on one chain or on all."""
    where = delegates.c.channel == channel
    if chain_id is not None:
        where = where & (delegates.c.chain_id == chain_id)
    rows = await conn.execute(
        sa.select(delegates).where(where).order_by(delegates.c.chain_id, delegates.c.delegate)
    )
    return [dict(r._mapping) for r in rows]


async def delegations_of(conn: AsyncConnection, delegate: str) -> list[Row]:
    """The (channel, chain) pairs a wallet may send for."""
    rows = await conn.execute(
        sa.select(delegates)
        .where(delegates.c.delegate == delegate)
        .order_by(delegates.c.channel, delegates.c.chain_id)
    )
    return [dict(r._mapping) for r in rows]


async def _bump(session: AsyncSession, channel: str, by: int) -> None:
    await session.execute(
        sa.update(channels)
        .where(channels.c.channel == channel)
        .values(subscriber_count=channels.c.subscriber_count + by)
    )


async def _exists(session: AsyncSession, table: sa.Table, where: Any) -> bool:
    return (
        await session.execute(sa.select(sa.literal(1)).select_from(table).where(where))
    ).first() is not None


async def _count(conn: AsyncConnection | AsyncSession, table: sa.Table, where: Any) -> int:
    total = (
        await conn.execute(sa.select(sa.func.count()).select_from(table).where(where))
    ).scalar()
    return int(total or 0)
