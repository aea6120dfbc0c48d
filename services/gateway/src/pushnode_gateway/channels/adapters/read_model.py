"""Read models beside the feeds: what each channel sent, and channel metadata from uploads.

`gateway_channel_notifications` holds one row per stored notification (not per recipient): the
channel's own history for GET /v2/channels/{caip}/notifications. `gateway_channel_meta` holds
uploaded channel metadata by CID; a channel's identity `1+<cid>` joins it at read time, so the
order in which the upload and the channel's creation arrive does not matter.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from pushnode_gateway.channels.formatting import ipfs_hash
from pushnode_gateway.db import channels, metadata, subscriptions
from pushnode_shared.infra import columns as col
from pushnode_shared.infra.db import insert_ignore, insert_ignore_many

Row = dict[str, Any]

channel_notifications = sa.Table(
    "gateway_channel_notifications",
    metadata,
    col.ident("notification_id", key=True),
    col.address("channel"),
    sa.Column("kind", sa.Integer, nullable=False),
    sa.Column("epoch", sa.String(40), nullable=False),
    sa.Column("item", sa.Text, nullable=False),
)
channel_meta = sa.Table(
    "gateway_channel_meta",
    metadata,
    sa.Column("cid", sa.String(100), primary_key=True),
    sa.Column("name", sa.Text, nullable=True),
    sa.Column("info", sa.Text, nullable=True),
    sa.Column("url", sa.Text, nullable=True),
    sa.Column("icon", sa.Text, nullable=True),
)
# Aliases the validator verified (ChannelAliasVerified on protocol-decisions).
aliases = sa.Table(
    "gateway_aliases",
    metadata,
    sa.Column("alias_chain_id", sa.BigInteger, primary_key=True),
    col.address("alias", key=True),
    col.address("channel"),
)
STATE_TABLES = [channel_notifications.name, channel_meta.name, aliases.name]
META_FIELDS = ("name", "info", "url", "icon")


def channel_notification_row(notification_id: str, channel: str, kind: int, item: Row) -> Row:
    """A channel's row for one notification."""
    return {
        "notification_id": notification_id,
        "channel": channel,
        "kind": kind,
        "epoch": item["epoch"],
        "item": json.dumps(item, sort_keys=True),
    }


async def add_channel_notifications(session: AsyncSession, rows: list[Row]) -> None:
    """Insert channel rows in one statement; a replay leaves existing rows as they are."""
    await insert_ignore_many(session, channel_notifications, rows)


async def page_of_channel_notifications(
    conn: AsyncConnection, channel: str, kind: int | None, page: int, limit: int
) -> tuple[list[Row], int]:
    """Newest first, optionally one notification type; the page and the total."""
    where = channel_notifications.c.channel == channel
    if kind is not None:
        where = where & (channel_notifications.c.kind == kind)
    return await _page(conn, channel_notifications, where, page, limit)


async def add_channel_meta(session: AsyncSession, cid: str, fields: Row) -> bool:
    """Remember uploaded channel metadata by CID (content-addressed: a replay is a no-op)."""
    values = {"cid": cid, **{k: _text(fields.get(k)) for k in META_FIELDS}}
    return await insert_ignore(session, channel_meta, values)


async def meta_by_cid(conn: AsyncConnection, cids: list[str]) -> dict[str, Row]:
    """Metadata for the given CIDs (those that were uploaded here)."""
    if not cids:
        return {}
    rows = await conn.execute(sa.select(channel_meta).where(channel_meta.c.cid.in_(cids)))
    return {r.cid: dict(r._mapping) for r in rows}


async def search_channels(
    conn: AsyncConnection,
    query: str,
    page: int,
    limit: int,
    narrow: Any = None,
    descending: bool = True,
) -> tuple[list[Row], int]:
    """Channels (not blocked, meeting `narrow`) whose name contains the query, or whose
    address starts with it; by subscribers, most first unless not `descending`."""
    needle = query.strip().lower()
    joined = channels.outerjoin(
        channel_meta, channels.c.identity == sa.literal("1+") + channel_meta.c.cid
    )
    where = channels.c.blocked.is_(False) & (
        sa.func.lower(channel_meta.c.name).contains(needle, autoescape=True)
        | channels.c.channel.startswith(needle, autoescape=True)
    )
    if narrow is not None:
        where = where & narrow
    count = channels.c.subscriber_count
    total = (
        await conn.execute(sa.select(sa.func.count()).select_from(joined).where(where))
    ).scalar()
    rows = await conn.execute(
        sa.select(channels)
        .select_from(joined)
        .where(where)
        .order_by(count.desc() if descending else count.asc(), channels.c.channel)
        .limit(limit)
        .offset((page - 1) * limit)
    )
    return [dict(r._mapping) for r in rows], int(total or 0)


async def _page(
    conn: AsyncConnection, table: sa.Table, where: Any, page: int, limit: int
) -> tuple[list[Row], int]:
    total = (
        await conn.execute(sa.select(sa.func.count()).select_from(table).where(where))
    ).scalar()
    rows = await conn.execute(
        sa.select(table.c.item)
        .where(where)
        .order_by(table.c.epoch.desc(), table.c.notification_id.desc())
        .limit(limit)
        .offset((page - 1) * limit)
    )
    return [json.loads(item) for (item,) in rows], int(total or 0)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


async def notifications_between(
    conn: AsyncConnection, start: str, end: str, page: int, size: int
) -> list[Row]:
    """Every channel's notifications with start <= epoch <= end, oldest first (a delivery
    node back-filling its downtime pages through them)."""
    where = (channel_notifications.c.epoch >= start) & (channel_notifications.c.epoch <= end)
    rows = await conn.execute(
        sa.select(channel_notifications.c.item)
        .where(where)
        .order_by(channel_notifications.c.epoch, channel_notifications.c.notification_id)
        .limit(size)
        .offset((page - 1) * size)
    )
    return [json.loads(item) for (item,) in rows]


async def set_alias(
    session: AsyncSession, alias_chain_id: int, alias: str, channel: str | None
) -> None:
    """Link an alias to its channel, or (channel None) unlink it; replays are no-ops."""
    where = (aliases.c.alias_chain_id == alias_chain_id) & (aliases.c.alias == alias)
    await session.execute(sa.delete(aliases).where(where))
    if channel is not None:
        await session.execute(
            sa.insert(aliases).values(alias_chain_id=alias_chain_id, alias=alias, channel=channel)
        )


async def alias_of(conn: AsyncConnection, alias: str, chain_id: int | None) -> Row | None:
    """The verified alias row for an address (on one chain, or on any)."""
    where = aliases.c.alias == alias
    if chain_id is not None:
        where = where & (aliases.c.alias_chain_id == chain_id)
    row = (await conn.execute(sa.select(aliases).where(where).limit(1))).first()
    return dict(row._mapping) if row is not None else None


async def aliases_of(conn: AsyncConnection, channels_: list[str]) -> dict[str, Row]:
    """One verified alias per channel (the lowest chain id), for channel answers."""
    if not channels_:
        return {}
    rows = await conn.execute(
        sa.select(aliases)
        .where(aliases.c.channel.in_(channels_))
        .order_by(aliases.c.channel, aliases.c.alias_chain_id.desc())
    )
    return {r.channel: dict(r._mapping) for r in rows}


async def all_subscribers(conn: AsyncConnection, channel: str) -> list[str]:
    """Every subscriber of a channel, in address order (the legacy, unpaged read)."""
    rows = await conn.execute(
        sa.select(subscriptions.c.subscriber)
        .where(subscriptions.c.channel == channel)
        .order_by(subscriptions.c.subscriber)
    )
    return [subscriber for (subscriber,) in rows]


async def decorations(
    conn: AsyncConnection, rows: list[Row]
) -> tuple[dict[str, Row], dict[str, Row]]:
    """Channel rows' metadata by CID and aliases by channel, one query each."""
    cids = [c for c in (ipfs_hash(r["identity"]) for r in rows) if c]
    return await meta_by_cid(conn, cids), await aliases_of(conn, [r["channel"] for r in rows])
