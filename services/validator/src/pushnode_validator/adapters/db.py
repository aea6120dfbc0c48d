"""The validator's tables (SQLAlchemy Core) and the reads/writes its handlers need."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from pushnode_shared.infra import columns as col
from pushnode_shared.infra.db import offsets_table
from pushnode_shared.protocol.events import Event, registered
from pushnode_validator.domain.projection import ChannelState
from pushnode_validator.domain.ratelimit import Bucket

metadata = sa.MetaData()
channels = sa.Table(
    "validator_channels",
    metadata,
    col.address("channel", key=True),
    col.chain_id(),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("channel_type", sa.Integer, nullable=False),
    sa.Column("identity", sa.Text, nullable=False),
    sa.Column("cause", sa.String(20), nullable=False, server_default=""),
)
subscriptions = sa.Table(
    "validator_subscriptions",
    metadata,
    col.address("channel", key=True),
    col.address("subscriber", key=True),
)
notifications = sa.Table(
    "validator_notifications",
    metadata,
    col.ident("notification_id", key=True),
    col.address("channel"),
    sa.Column("accepted", sa.Boolean, nullable=False),
    sa.Column("reason", sa.String(40), nullable=True),
)
delegates = sa.Table(
    "validator_delegates",
    metadata,
    col.address("channel", key=True),
    col.chain_id(key=True),
    col.address("delegate", key=True),
)
# Chain events applied, with the facts they produced: a retraction undoes exactly these, and
# a re-emitted event (same id) is recognised and skipped.
applied = sa.Table(
    "validator_applied",
    metadata,
    col.ident("event_id", key=True),
    col.address("channel"),
    sa.Column("facts", sa.Text, nullable=False),
)
aliases = sa.Table(
    "validator_aliases",
    metadata,
    col.chain_id(key=True),
    col.address("alias", key=True),
    col.address("channel", index=True),
)
# Per-channel token buckets, in integer millionths of a token and log-time microseconds.
buckets = sa.Table(
    "validator_rate_buckets",
    metadata,
    col.address("channel", key=True),
    sa.Column("tokens", sa.BigInteger, nullable=False),
    sa.Column("at_us", sa.BigInteger, nullable=False),
)
# Per-channel count of subscription facts: SubscriptionAdded/Removed carry it after them, a
# broadcast carries it as judged (events.Broadcast), so consumers know who a broadcast reaches.
positions = sa.Table(
    "validator_channel_positions",
    metadata,
    col.address("channel", key=True),
    sa.Column("position", sa.BigInteger, nullable=False),
)
offsets = offsets_table(metadata, "validator")
STATE_TABLES = [
    channels.name,
    subscriptions.name,
    notifications.name,
    delegates.name,
    applied.name,
    aliases.name,
    buckets.name,
    positions.name,
    "validator_user_keys",  # userkeys.py: the pgpv4 key registry
    "validator_signed_contents",  # replays.py: accepted notifications' signed content
    "validator_applied_optins",  # replays.py: opt-in/out signatures applied
    "validator_chat_threads",  # chat_state.py: 1:1 conversations as judged
    "validator_chat_accepted",  # chat_state.py: messages accepted once
    "validator_chat_blocks",  # chat_state.py: block lists in force
    "validator_user_profiles",  # profiles.py: accepted profile proofs
    "validator_channel_settings",  # settings.py: channels' notification settings
    "validator_user_settings",  # settings.py: subscribers' choices
]


async def load_channel(
    session: AsyncSession, channel: str, wallets: Iterable[str] | None = None
) -> ChannelState | None:
    """The channel's state, or None if never seen.

    `subscribers` holds only the subscribed wallets among `wallets` (every subscriber when
    None, as a broadcast needs): a decision about one wallet never loads a big channel's list.
    """
    row = (await session.execute(sa.select(channels).where(channels.c.channel == channel))).first()
    subscribers = await _subscribers(session, channel, wallets)
    dels = await session.execute(
        sa.select(delegates.c.chain_id, delegates.c.delegate).where(delegates.c.channel == channel)
    )
    allowed = frozenset((int(c), str(d)) for c, d in dels)
    linked = await session.execute(
        sa.select(aliases.c.chain_id, aliases.c.alias).where(aliases.c.channel == channel)
    )
    known_aliases = frozenset((int(c), str(a)) for c, a in linked)
    if row is None:
        if not subscribers and not allowed:
            return None
        return ChannelState(channel=channel, subscribers=subscribers, delegates=allowed)
    return ChannelState(
        delegates=allowed,
        channel=channel,
        chain_id=row.chain_id,
        active=row.active,
        channel_type=row.channel_type,
        identity=row.identity,
        subscribers=subscribers,
        cause=row.cause,
        aliases=known_aliases,
    )


async def alias_owner(session: AsyncSession, chain_id: int, alias: str) -> str | None:
    """The channel `eip155:<chain_id>:<alias>` speaks for, if it is a verified alias."""
    row = (
        await session.execute(
            sa.select(aliases.c.channel).where(
                (aliases.c.chain_id == chain_id) & (aliases.c.alias == alias.lower())
            )
        )
    ).first()
    return None if row is None else str(row.channel)


async def load_bucket(session: AsyncSession, channel: str) -> Bucket | None:
    """The channel's rate bucket, None before its first accepted notification."""
    row = (await session.execute(sa.select(buckets).where(buckets.c.channel == channel))).first()
    return None if row is None else Bucket(tokens=int(row.tokens), at_us=int(row.at_us))


async def load_position(session: AsyncSession, channel: str) -> int:
    """The channel's subscription position (0 before its first subscription fact)."""
    found = await session.execute(
        sa.select(positions.c.position).where(positions.c.channel == channel)
    )
    return int(found.scalar() or 0)


async def save_position(session: AsyncSession, channel: str, position: int) -> None:
    """Store the channel's position after its latest subscription facts."""
    updated = await session.execute(
        sa.update(positions).where(positions.c.channel == channel).values(position=position)
    )
    if updated.rowcount == 0:  # type: ignore[attr-defined]
        await session.execute(sa.insert(positions).values(channel=channel, position=position))


async def save_bucket(session: AsyncSession, channel: str, bucket: Bucket) -> None:
    """Store the bucket after an accepted notification."""
    values = {"tokens": bucket.tokens, "at_us": bucket.at_us}
    updated = await session.execute(
        sa.update(buckets).where(buckets.c.channel == channel).values(**values)
    )
    if updated.rowcount == 0:  # type: ignore[attr-defined]
        await session.execute(sa.insert(buckets).values(channel=channel, **values))


async def _subscribers(
    session: AsyncSession, channel: str, wallets: Iterable[str] | None
) -> frozenset[str]:
    query = sa.select(subscriptions.c.subscriber).where(subscriptions.c.channel == channel)
    if wallets is not None:
        wanted = sorted(set(wallets))
        if not wanted:
            return frozenset()
        query = query.where(subscriptions.c.subscriber.in_(wanted))
    return frozenset(s for (s,) in await session.execute(query))


async def save_channel(session: AsyncSession, before: ChannelState, after: ChannelState) -> None:
    """Write the difference between two states of one channel."""
    if after.chain_id:
        values = {
            "chain_id": after.chain_id,
            "active": after.active,
            "channel_type": after.channel_type,
            "identity": after.identity,
            "cause": after.cause,
        }
        updated = await session.execute(
            sa.update(channels).where(channels.c.channel == after.channel).values(**values)
        )
        if updated.rowcount == 0:  # type: ignore[attr-defined]
            await session.execute(sa.insert(channels).values(channel=after.channel, **values))
    for added in sorted(after.subscribers - before.subscribers):
        await session.execute(
            sa.insert(subscriptions).values(channel=after.channel, subscriber=added)
        )
    await _save_delegates(session, before, after)
    await _save_aliases(session, before, after)
    for removed in sorted(before.subscribers - after.subscribers):
        await session.execute(
            sa.delete(subscriptions).where(
                (subscriptions.c.channel == after.channel) & (subscriptions.c.subscriber == removed)
            )
        )


async def _save_delegates(session: AsyncSession, before: ChannelState, after: ChannelState) -> None:
    for chain_id, delegate in sorted(after.delegates - before.delegates):
        await session.execute(
            sa.insert(delegates).values(channel=after.channel, chain_id=chain_id, delegate=delegate)
        )
    for chain_id, delegate in sorted(before.delegates - after.delegates):
        await session.execute(
            sa.delete(delegates).where(
                (delegates.c.channel == after.channel)
                & (delegates.c.chain_id == chain_id)
                & (delegates.c.delegate == delegate)
            )
        )


async def _save_aliases(session: AsyncSession, before: ChannelState, after: ChannelState) -> None:
    for chain_id, alias in sorted(after.aliases - before.aliases):
        await session.execute(
            sa.insert(aliases).values(chain_id=chain_id, alias=alias, channel=after.channel)
        )
    for chain_id, alias in sorted(before.aliases - after.aliases):
        await session.execute(
            sa.delete(aliases).where((aliases.c.chain_id == chain_id) & (aliases.c.alias == alias))
        )


async def seen(session: AsyncSession, notification_id: str) -> bool:
    """Whether a notification with this id was already judged."""
    found = await session.execute(
        sa.select(notifications.c.notification_id).where(
            notifications.c.notification_id == notification_id
        )
    )
    return found.first() is not None


async def record_verdict(
    session: AsyncSession, notification_id: str, channel: str, accepted: bool, reason: str | None
) -> None:
    """Remember a judged notification so a resubmission is recognised."""
    await session.execute(
        sa.insert(notifications).values(
            notification_id=notification_id, channel=channel, accepted=accepted, reason=reason
        )
    )


async def applied_facts(session: AsyncSession, event_id: str) -> list[Event] | None:
    """The facts a chain event produced when applied, or None if it is not applied."""
    row = (
        await session.execute(sa.select(applied.c.facts).where(applied.c.event_id == event_id))
    ).first()
    if row is None:
        return None
    return [unwrap_fact(item) for item in json.loads(row.facts)]


async def mark_applied(
    session: AsyncSession, event_id: str, channel: str, facts: list[Event]
) -> None:
    """Remember what a chain event did."""
    encoded = json.dumps([{"type": f.TYPE, "payload": f.model_dump(mode="json")} for f in facts])
    await session.execute(
        sa.insert(applied).values(event_id=event_id, channel=channel, facts=encoded)
    )


async def forget_applied(session: AsyncSession, event_id: str) -> None:
    """The chain dropped the event: it no longer counts as applied."""
    await session.execute(sa.delete(applied).where(applied.c.event_id == event_id))


def unwrap_fact(item: dict[str, Any]) -> Event:
    """Rebuild a stored fact (types are the registered v1 event models)."""
    return registered()[(item["type"], 1)].model_validate(item["payload"])
