"""Notification settings as the validator judges categories by: each channel's (from
ChannelSettingsChanged) and each subscriber's choice (SubscriptionAdded's user_setting),
written as the facts are applied, in the channel's order, so a replay reads the same."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from pushnode_shared.protocol.events import (
    ChannelSettingsChanged,
    Event,
    SubscriptionAdded,
    SubscriptionRemoved,
)
from pushnode_validator.adapters.db import metadata, subscriptions

channel_settings = sa.Table(
    "validator_channel_settings",
    metadata,
    sa.Column("channel", sa.String(42), primary_key=True),
    sa.Column("settings", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=False),
)
user_settings = sa.Table(
    "validator_user_settings",
    metadata,
    sa.Column("channel", sa.String(42), primary_key=True),
    sa.Column("subscriber", sa.String(42), primary_key=True),
    sa.Column("setting", sa.Text, nullable=False),
)


async def record(session: AsyncSession, fact: Event) -> None:
    """Keep what a fact says about settings: the channel's latest, a wallet's latest choice
    (none after an opt-in without settings or an opt-out)."""
    if isinstance(fact, ChannelSettingsChanged):
        where = channel_settings.c.channel == fact.channel
        await session.execute(sa.delete(channel_settings).where(where))
        values = {"settings": fact.settings, "description": fact.description}
        await session.execute(sa.insert(channel_settings).values(channel=fact.channel, **values))
    elif isinstance(fact, SubscriptionAdded | SubscriptionRemoved):
        c = user_settings.c
        mine = (c.channel == fact.channel) & (c.subscriber == fact.subscriber)
        await session.execute(sa.delete(user_settings).where(mine))
        chosen = fact.user_setting if isinstance(fact, SubscriptionAdded) else None
        if chosen:
            values = {"channel": fact.channel, "subscriber": fact.subscriber, "setting": chosen}
            await session.execute(sa.insert(user_settings).values(**values))


async def defined(session: AsyncSession, channel: str) -> tuple[str, str] | None:
    """The channel's settings and descriptions as Core emitted them; None without any."""
    where = channel_settings.c.channel == channel
    row = (await session.execute(sa.select(channel_settings).where(where))).first()
    return None if row is None else (row.settings, row.description)


async def choices(
    session: AsyncSession, channel: str, wallets: list[str] | None
) -> dict[str, str | None]:
    """Each subscriber's choice (None: the channel's defaults), among `wallets` (None: all)."""
    s, u = subscriptions.c, user_settings.c
    joined = subscriptions.outerjoin(
        user_settings, (u.channel == s.channel) & (u.subscriber == s.subscriber)
    )
    query = sa.select(s.subscriber, u.setting).select_from(joined).where(s.channel == channel)
    if wallets is not None:
        query = query.where(s.subscriber.in_(sorted(set(wallets))))
    return {wallet: chosen for wallet, chosen in await session.execute(query)}
