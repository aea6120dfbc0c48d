"""The validator's tables (SQLAlchemy Core) and the reads/writes its handlers need."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from pushnode_shared.db import offsets_table
from pushnode_validator.projection import ChannelState

metadata = sa.MetaData()
channels = sa.Table(
    "validator_channels",
    metadata,
    sa.Column("channel", sa.String(42), primary_key=True),
    sa.Column("chain_id", sa.BigInteger, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("channel_type", sa.Integer, nullable=False),
    sa.Column("identity", sa.Text, nullable=False),
)
subscriptions = sa.Table(
    "validator_subscriptions",
    metadata,
    sa.Column("channel", sa.String(42), primary_key=True),
    sa.Column("subscriber", sa.String(42), primary_key=True),
)
notifications = sa.Table(
    "validator_notifications",
    metadata,
    sa.Column("notification_id", sa.String(64), primary_key=True),
    sa.Column("channel", sa.String(42), nullable=False),
    sa.Column("accepted", sa.Boolean, nullable=False),
    sa.Column("reason", sa.String(40), nullable=True),
)
offsets = offsets_table(metadata, "validator")
STATE_TABLES = [channels.name, subscriptions.name, notifications.name]


async def load_channel(session: AsyncSession, channel: str) -> ChannelState | None:
    """The channel's state with its subscriber set, or None if never seen."""
    row = (await session.execute(sa.select(channels).where(channels.c.channel == channel))).first()
    subs = await session.execute(
        sa.select(subscriptions.c.subscriber).where(subscriptions.c.channel == channel)
    )
    subscribers = frozenset(s for (s,) in subs)
    if row is None:
        return ChannelState(channel=channel, subscribers=subscribers) if subscribers else None
    return ChannelState(
        channel=channel,
        chain_id=row.chain_id,
        active=row.active,
        channel_type=row.channel_type,
        identity=row.identity,
        subscribers=subscribers,
    )


async def save_channel(session: AsyncSession, before: ChannelState, after: ChannelState) -> None:
    """Write the difference between two states of one channel."""
    if after.chain_id:
        values = {
            "chain_id": after.chain_id,
            "active": after.active,
            "channel_type": after.channel_type,
            "identity": after.identity,
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
    for removed in sorted(before.subscribers - after.subscribers):
        await session.execute(
            sa.delete(subscriptions).where(
                (subscriptions.c.channel == after.channel) & (subscriptions.c.subscriber == removed)
            )
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
