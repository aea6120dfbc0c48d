"""Notification settings as the validator judges categories by: each channel's (from
ChannelSettingsChanged) and each subscriber's choice (SubscriptionAdded's user_setting),
written as the facts are applied, in the channel's order, so a replay reads the same."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from pushnode_shared.protocol import settings_tables as store
from pushnode_shared.protocol.events import (
    ChannelSettingsChanged,
    Event,
    SubscriptionAdded,
    SubscriptionRemoved,
)
from pushnode_validator.adapters.db import metadata, subscriptions

TABLES = store.settings_tables(metadata, "validator")


async def record(session: AsyncSession, fact: Event) -> None:
    """Keep what a fact says about settings: the channel's latest, a wallet's latest choice
    (none after an opt-in without settings or an opt-out)."""
    if isinstance(fact, ChannelSettingsChanged):
        await store.set_channel(session, TABLES, fact.channel, fact.settings, fact.description)
    elif isinstance(fact, SubscriptionAdded | SubscriptionRemoved):
        chosen = fact.user_setting if isinstance(fact, SubscriptionAdded) else None
        await store.set_user(session, TABLES, fact.channel, fact.subscriber, chosen)


async def defined(session: AsyncSession, channel: str) -> tuple[str, str] | None:
    """The channel's settings and descriptions as Core emitted them; None without any."""
    where = TABLES.channels.c.channel == channel
    row = (await session.execute(sa.select(TABLES.channels).where(where))).first()
    return None if row is None else (row.settings, row.description)


async def choices(
    session: AsyncSession, channel: str, wallets: list[str] | None
) -> dict[str, str | None]:
    """Each subscriber's choice (None: the channel's defaults), among `wallets` (None: all)."""
    s, u = subscriptions.c, TABLES.users.c
    joined = subscriptions.outerjoin(
        TABLES.users, (u.channel == s.channel) & (u.subscriber == s.subscriber)
    )
    query = sa.select(s.subscriber, u.setting).select_from(joined).where(s.channel == channel)
    if wallets is not None:
        query = query.where(s.subscriber.in_(sorted(set(wallets))))
    return {wallet: chosen for wallet, chosen in await session.execute(query)}
