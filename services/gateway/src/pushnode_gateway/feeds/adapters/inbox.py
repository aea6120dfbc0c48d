"""A wallet's inbox: its own feed rows plus the broadcasts its subscription periods cover.

A broadcast is stored once (`gateway_broadcasts`, with the channel and subscription position
it was judged at), not once per subscriber. The gateway-protocol consumer folds
SubscriptionAdded/Removed into periods (pushnode_shared.protocol.periods); a read joins the wallet's
periods (indexed by subscriber) to the broadcasts of those channels whose position the period
contains (indexed by channel, position), and unions them with the wallet's own rows
(targeted and subset notifications). Broadcasts only ever land in the inbox: their audience is
the subscribers. Ordering, pagination and the item shape are those of the per-wallet rows.
A broadcast with a category leaves out the subscribers the validator held back
(`gateway_broadcast_held_back`, from Broadcast.held_back).
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from pushnode_gateway.db import feeds, metadata
from pushnode_shared.infra.db import insert_ignore_many
from pushnode_shared.protocol.periods import covering, period_tables

Row = dict[str, Any]

broadcasts = sa.Table(
    "gateway_broadcasts",
    metadata,
    sa.Column("notification_id", sa.String(64), primary_key=True),
    sa.Column("channel", sa.String(42), nullable=False),  # whose subscribers it reaches
    sa.Column("position", sa.BigInteger, nullable=False),
    sa.Column("sender", sa.String(42), nullable=False),  # the channel (or alias) that sent it
    sa.Column("epoch", sa.String(40), nullable=False),
    sa.Column("item", sa.Text, nullable=False),
    sa.Index("ix_gateway_broadcasts_audience", "channel", "position"),
)
held_back = sa.Table(
    "gateway_broadcast_held_back",
    metadata,
    sa.Column("notification_id", sa.String(64), primary_key=True),
    sa.Column("subscriber", sa.String(42), primary_key=True),
)
PERIODS = period_tables(metadata, "gateway")
STATE_TABLES = [broadcasts.name, held_back.name, *PERIODS.names]
# Stored in a broadcast's item where a per-wallet row has the wallet, filled in at read time.
READER = ""


def broadcast_row(notification_id: str, channel: str, position: int, sender: str, item: Row) -> Row:
    """The one row of a broadcast; `item` is built for READER."""
    return {
        "notification_id": notification_id,
        "channel": channel,
        "position": position,
        "sender": sender,
        "epoch": item["epoch"],
        "item": json.dumps(item, sort_keys=True),
    }


async def add_broadcasts(session: AsyncSession, rows: list[Row]) -> None:
    """Insert broadcast rows; a replayed one stays as it is."""
    await insert_ignore_many(session, broadcasts, rows)


def held_back_rows(notification_id: str, subscribers: list[str]) -> list[Row]:
    """The rows that keep a broadcast out of these subscribers' inboxes."""
    return [{"notification_id": notification_id, "subscriber": s} for s in subscribers]


async def add_held_back(session: AsyncSession, rows: list[Row]) -> None:
    """Insert held-back rows; a replayed one stays as it is."""
    await insert_ignore_many(session, held_back, rows)


def _rows(
    wallet: str,
    spam: bool | None,
    channel: str | None = None,
    start: str | None = None,
    end: str | None = None,
) -> sa.Subquery:
    """The wallet's items as (item, spam, shared, epoch, notification_id)."""
    own = (feeds.c.recipient == wallet) & _between(feeds.c.epoch, start, end)
    if spam is not None:
        own = own & (feeds.c.spam == spam)
    if channel is not None:
        own = own & (feeds.c.channel == channel)
    mine = sa.select(
        feeds.c.item,
        feeds.c.spam,
        sa.false().label("shared"),
        feeds.c.epoch,
        feeds.c.notification_id,
    ).where(own)
    if spam:
        return mine.subquery()
    p, b = PERIODS.periods.c, broadcasts.c
    h = held_back.c
    kept = ~sa.exists().where((h.notification_id == b.notification_id) & (h.subscriber == wallet))
    reached = (
        (p.subscriber == wallet)
        & covering(PERIODS, b.position)
        & _between(b.epoch, start, end)
        & kept
    )
    if channel is not None:
        reached = reached & (b.sender == channel)
    shared = (
        sa.select(
            b.item,
            sa.false().label("spam"),
            sa.true().label("shared"),
            b.epoch,
            b.notification_id,
        )
        .select_from(PERIODS.periods.join(broadcasts, b.channel == p.channel))
        .where(reached)
    )
    return sa.union_all(mine, shared).subquery()


def _between(
    column: sa.ColumnElement[str], start: str | None, end: str | None
) -> sa.ColumnElement[bool]:
    where: sa.ColumnElement[bool] = sa.true()
    if start is not None:
        where = where & (column >= start)
    if end is not None:
        where = where & (column <= end)
    return where


def _for(wallet: str, item: str, shared: bool) -> Row:
    parsed: Row = json.loads(item)
    if shared and parsed.get("payload", {}).get("recipients") == READER:
        parsed["payload"]["recipients"] = wallet
    return parsed


async def page_of_inbox(
    conn: AsyncConnection,
    wallet: str,
    spam: bool,
    page: int,
    limit: int,
    channel: str | None = None,
) -> tuple[list[Row], int]:
    """Newest first (optionally from one channel); the page and the total count."""
    rows = _rows(wallet, spam, channel)
    # One round trip for the page and the count: a feed read is two short queries, and on a
    # busy machine each round trip waits for a CPU (the feeds bench's p99 was mostly that).
    found = (
        await conn.execute(
            sa.select(rows.c.item, rows.c.shared, sa.func.count().over().label("total"))
            .order_by(rows.c.epoch.desc(), rows.c.notification_id.desc())
            .limit(limit)
            .offset((page - 1) * limit)
        )
    ).all()
    if found:
        total = int(found[0].total)
    elif page == 1:
        total = 0
    else:  # a page past the end: the window saw no row to count on
        total = int(
            (await conn.execute(sa.select(sa.func.count()).select_from(rows))).scalar() or 0
        )
    return [_for(wallet, row.item, row.shared) for row in found], total


async def inbox_between(
    conn: AsyncConnection, wallet: str, start: str, end: str, page: int, size: int
) -> list[tuple[Row, bool]]:
    """The wallet's inbox and spam items with start <= epoch <= end, oldest first."""
    rows = _rows(wallet, None, start=start, end=end)
    found = await conn.execute(
        sa.select(rows.c.item, rows.c.shared, rows.c.spam)
        .order_by(rows.c.epoch, rows.c.notification_id)
        .limit(size)
        .offset((page - 1) * size)
    )
    return [(_for(wallet, item, shared), bool(spam)) for item, shared, spam in found]
