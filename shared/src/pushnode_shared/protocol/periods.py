"""Subscription periods: who a broadcast reaches, folded from protocol-decisions.

The validator numbers each channel's subscription facts (SubscriptionAdded/Removed carry the
channel's `position` after them) and stamps a broadcast with the position it was judged at
(events.Broadcast). A consumer that must know "the subscribers at the time of the broadcast"
folds the facts into periods (channel, subscriber, from_position, to_position): a broadcast at
position p reaches the subscribers with from_position <= p < to_position (to_position NULL
while still subscribed). It also keeps each channel's last folded position, so it can tell
whether its fold has caught up with a broadcast it is about to fan out.

Tables are per service (prefix), like the offsets table; the gateway and the dispatcher each
fold their own. Every write is replay-safe.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from pushnode_shared.infra import columns as col
from pushnode_shared.infra.db import insert_ignore


@dataclass(frozen=True)
class PeriodTables:
    """One service's subscription periods and per-channel folded positions."""

    periods: sa.Table
    positions: sa.Table

    @property
    def names(self) -> list[str]:
        """Their table names, for the service's rebuildable STATE_TABLES."""
        return [self.periods.name, self.positions.name]


def period_tables(metadata: sa.MetaData, prefix: str) -> PeriodTables:
    """Declare `<prefix>_subscription_periods` and `<prefix>_channel_positions`."""
    periods = sa.Table(
        f"{prefix}_subscription_periods",
        metadata,
        col.address("channel", key=True),
        col.address("subscriber", key=True),
        sa.Column("from_position", sa.BigInteger, primary_key=True),
        sa.Column("to_position", sa.BigInteger, nullable=True),
        # A wallet's feed read starts from its periods.
        sa.Index(f"ix_{prefix}_periods_subscriber", "subscriber", "channel"),
    )
    positions = sa.Table(
        f"{prefix}_channel_positions",
        metadata,
        col.address("channel", key=True),
        sa.Column("position", sa.BigInteger, nullable=False),
    )
    return PeriodTables(periods, positions)


def create_period_tables(prefix: str) -> None:
    """Alembic op creating the two tables (keeps their shape in one place)."""
    from alembic import op

    op.create_table(
        f"{prefix}_subscription_periods",
        col.address("channel", key=True),
        col.address("subscriber", key=True),
        sa.Column("from_position", sa.BigInteger, primary_key=True),
        sa.Column("to_position", sa.BigInteger, nullable=True),
    )
    op.create_index(
        f"ix_{prefix}_periods_subscriber",
        f"{prefix}_subscription_periods",
        ["subscriber", "channel"],
    )
    op.create_table(
        f"{prefix}_channel_positions",
        col.address("channel", key=True),
        sa.Column("position", sa.BigInteger, nullable=False),
    )


def drop_period_tables(prefix: str) -> None:
    """Alembic op undoing create_period_tables."""
    from alembic import op

    op.drop_table(f"{prefix}_channel_positions")
    op.drop_index(f"ix_{prefix}_periods_subscriber", f"{prefix}_subscription_periods")
    op.drop_table(f"{prefix}_subscription_periods")


def covering(tables: PeriodTables, position: int | sa.ColumnElement[int]) -> sa.ColumnElement[bool]:
    """The periods that contain a broadcast's position."""
    p = tables.periods.c
    return (p.from_position <= position) & (p.to_position.is_(None) | (p.to_position > position))


async def opened(
    session: AsyncSession, tables: PeriodTables, channel: str, subscriber: str, position: int
) -> None:
    """SubscriptionAdded: a period starts, unless the wallet is subscribed already."""
    p = tables.periods.c
    open_now = await session.execute(
        sa.select(p.from_position).where(
            (p.channel == channel) & (p.subscriber == subscriber) & p.to_position.is_(None)
        )
    )
    if open_now.first() is None:
        values = {"channel": channel, "subscriber": subscriber, "from_position": position}
        # A replayed fact finds its period (closed or not) under the same key and stays out.
        await insert_ignore(session, tables.periods, {**values, "to_position": None})
    await _advance(session, tables, channel, position)


async def closed(
    session: AsyncSession, tables: PeriodTables, channel: str, subscriber: str, position: int
) -> None:
    """SubscriptionRemoved: the wallet's open period ends at this position."""
    p = tables.periods.c
    await session.execute(
        sa.update(tables.periods)
        .where(
            (p.channel == channel)
            & (p.subscriber == subscriber)
            & p.to_position.is_(None)
            & (p.from_position <= position)
        )
        .values(to_position=position)
    )
    await _advance(session, tables, channel, position)


async def _advance(
    session: AsyncSession, tables: PeriodTables, channel: str, position: int
) -> None:
    q = tables.positions.c
    await session.execute(
        sa.update(tables.positions)
        .where((q.channel == channel) & (q.position < position))
        .values(position=position)
    )
    await insert_ignore(session, tables.positions, {"channel": channel, "position": position})


async def folded_to(
    conn: AsyncConnection | AsyncSession, tables: PeriodTables, channel: str
) -> int:
    """The channel's last folded position (0 before its first subscription fact)."""
    q = tables.positions.c
    found = await conn.execute(sa.select(q.position).where(q.channel == channel))
    return int(found.scalar() or 0)


async def subscribed_among(
    conn: AsyncConnection | AsyncSession,
    tables: PeriodTables,
    channel: str,
    position: int,
    wallets: list[str],
) -> set[str]:
    """Which of these wallets a broadcast at `position` in `channel` reaches."""
    if not wallets:
        return set()
    p = tables.periods.c
    found = await conn.execute(
        sa.select(p.subscriber)
        .where((p.channel == channel) & p.subscriber.in_(sorted(set(wallets))))
        .where(covering(tables, position))
    )
    return {str(s) for (s,) in found}
