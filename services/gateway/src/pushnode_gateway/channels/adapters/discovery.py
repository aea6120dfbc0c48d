"""Finding channels: their tags (from uploaded metadata, by CID), Core's verification of them,
and the narrowing the SDK's channel list and search ask for (`filter`, `tag`,
`user_subscribed`). A channel's identity `1+<cid>` joins its tags at read time, as its metadata.
"""

from __future__ import annotations

from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from pushnode_gateway.channels.formatting import ipfs_hash
from pushnode_gateway.db import channels, metadata, subscriptions
from pushnode_shared.infra import columns as col
from pushnode_shared.infra.db import insert_ignore_many

# The SDK trims a channel's tags to 5 and their total length to 512 before it uploads them.
MAX_TAGS, MAX_TAG_LENGTH = 5, 512
Filter = Literal["all", "verified", "unverified"]

tags = sa.Table(
    "gateway_channel_tags",
    metadata,
    sa.Column("cid", sa.String(100), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("tag", sa.String(MAX_TAG_LENGTH), nullable=False, index=True),
)
verified = sa.Table(
    "gateway_channel_verified",
    metadata,
    col.address("channel", key=True),
    col.address("verified_by"),
)
STATE_TABLES = [tags.name, verified.name]


def tags_in(fields: dict[str, Any]) -> list[str]:
    """The tags of uploaded channel metadata: its `tags` strings, as the SDK bounds them."""
    found = fields.get("tags")
    if not isinstance(found, list):
        return []
    clean = [t.strip() for t in found if isinstance(t, str) and t.strip()]
    return [t[:MAX_TAG_LENGTH] for t in clean[:MAX_TAGS] if "\x00" not in t]


async def add_tags(session: AsyncSession, cid: str, found: list[str]) -> None:
    """Remember a metadata CID's tags (content-addressed: a replay writes the same rows)."""
    rows = [{"cid": cid, "position": i, "tag": t} for i, t in enumerate(found)]
    await insert_ignore_many(session, tags, rows)


async def set_verified(session: AsyncSession, channel: str, by: str | None) -> None:
    """Core verified the channel (by `by`), or revoked it (None); replays are no-ops."""
    await session.execute(sa.delete(verified).where(verified.c.channel == channel))
    if by is not None:
        await session.execute(sa.insert(verified).values(channel=channel, verified_by=by))


def _tagged(tag: str) -> Any:
    """Channels whose current metadata carries this tag (any case)."""
    cids = sa.select(sa.literal("1+") + tags.c.cid).where(sa.func.lower(tags.c.tag) == tag.lower())
    return channels.c.identity.in_(cids)


def narrowing(kind: Filter, tag: str | None, subscriber: str | None) -> Any:
    """The SQL condition on channels for the list's and search's `filter`, `tag` and
    `user_subscribed` (a wallet: only the channels it is subscribed to)."""
    where: Any = sa.true()
    if kind != "all":
        is_verified = channels.c.channel.in_(sa.select(verified.c.channel))
        where = where & (is_verified if kind == "verified" else ~is_verified)
    if tag:
        where = where & _tagged(tag)
    if subscriber:
        theirs = sa.select(subscriptions.c.channel).where(subscriptions.c.subscriber == subscriber)
        where = where & channels.c.channel.in_(theirs)
    return where


async def verified_among(conn: AsyncConnection, channels_: list[str]) -> set[str]:
    if not channels_:
        return set()
    rows = await conn.execute(
        sa.select(verified.c.channel).where(verified.c.channel.in_(channels_))
    )
    return {c for (c,) in rows}


async def tags_of(conn: AsyncConnection, identity: str) -> list[str]:
    """A channel's tags, in the order its metadata lists them."""
    cid = ipfs_hash(identity)
    if cid is None:
        return []
    rows = await conn.execute(
        sa.select(tags.c.tag).where(tags.c.cid == cid).order_by(tags.c.position)
    )
    return [t for (t,) in rows]


async def all_tags(conn: AsyncConnection, page: int, limit: int, descending: bool) -> list[str]:
    """Every distinct tag of a channel (not blocked) on this node, alphabetical."""
    joined = tags.join(channels, channels.c.identity == sa.literal("1+") + tags.c.cid)
    ordered = tags.c.tag.desc() if descending else tags.c.tag.asc()
    rows = await conn.execute(
        sa.select(tags.c.tag)
        .select_from(joined)
        .where(channels.c.blocked.is_(False))
        .group_by(tags.c.tag)
        .order_by(ordered)
        .limit(limit)
        .offset((page - 1) * limit)
    )
    return [t for (t,) in rows]


def tag_search(query: str) -> Any:
    """Channels with a tag that contains the query (any case)."""
    needle = query.strip().lower()
    cids = sa.select(sa.literal("1+") + tags.c.cid).where(
        sa.func.lower(tags.c.tag).contains(needle, autoescape=True)
    )
    return channels.c.identity.in_(cids)
