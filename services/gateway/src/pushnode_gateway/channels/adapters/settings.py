"""Notification settings as the SDK reads them back: a channel's (Core's
ChannelNotifcationSettingsAdded) and each subscriber's choice (the v2 opt-in's userSetting)."""

from __future__ import annotations

import json

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from pushnode_gateway.db import metadata, subscriptions
from pushnode_shared.infra.logging import get_logger
from pushnode_shared.protocol import settings_tables as store
from pushnode_shared.protocol.settings import (
    BadSettings,
    channel_settings,
    enabled_for,
    user_settings,
)

log = get_logger(__name__)

TABLES = store.settings_tables(metadata, "gateway")
channel_table, user_table = TABLES.channels, TABLES.users
STATE_TABLES = TABLES.names


async def set_channel(session: AsyncSession, channel: str, settings: str, description: str) -> None:
    """The channel's latest settings replace the earlier ones."""
    await store.set_channel(session, TABLES, channel, settings, description)


async def set_user(
    session: AsyncSession, channel: str, subscriber: str, setting: str | None
) -> None:
    """A wallet's choice for a channel (None: it has none, e.g. it unsubscribed)."""
    await store.set_user(session, TABLES, channel, subscriber, setting)


async def channel_json(conn: AsyncConnection, channels_: list[str]) -> dict[str, str]:
    """`channel_settings` by channel: the JSON text the SDK's parseSettings reads."""
    if not channels_:
        return {}
    rows = await conn.execute(
        sa.select(channel_table).where(channel_table.c.channel.in_(channels_))
    )
    found = {}
    for row in rows:
        try:
            found[row.channel] = json.dumps(channel_settings(row.settings, row.description))
        except BadSettings as exc:  # what Core accepted is shown as null, not as an error
            log.warning("unreadable channel settings", channel=row.channel, error=str(exc))
    return found


async def users_json(conn: AsyncConnection, channel: str, wallets: list[str]) -> dict[str, str]:
    """Each wallet's settings for the channel (its choices merged into the channel's), as the
    SDK reads `user_settings` and a subscriber's `settings`."""
    if not wallets:
        return {}
    defined = await conn.execute(sa.select(channel_table).where(channel_table.c.channel == channel))
    row = defined.first()
    if row is None:
        return {}
    where = (user_table.c.channel == channel) & user_table.c.subscriber.in_(wallets)
    found = {}
    for chosen in await conn.execute(sa.select(user_table).where(where)):
        try:
            merged = user_settings(channel_settings(row.settings, row.description), chosen.setting)
        except BadSettings:
            continue
        found[chosen.subscriber] = json.dumps(merged)
    return found


async def in_category(conn: AsyncConnection, channel: str, category: int) -> list[str]:
    """The channel's subscribers who get notifications of `category`, in address order
    (BadSettings when the channel defines no such category). Reads every subscriber: the
    choices live in settings strings, not columns."""
    row = (
        await conn.execute(sa.select(channel_table).where(channel_table.c.channel == channel))
    ).first()
    defined = channel_settings(row.settings, row.description) if row is not None else []
    if not 1 <= category <= len(defined):
        raise BadSettings(f"the channel defines {len(defined)} settings")
    everyone = await conn.execute(
        sa.select(subscriptions.c.subscriber, user_table.c.setting)
        .select_from(
            subscriptions.outerjoin(
                user_table,
                (user_table.c.channel == subscriptions.c.channel)
                & (user_table.c.subscriber == subscriptions.c.subscriber),
            )
        )
        .where(subscriptions.c.channel == channel)
        .order_by(subscriptions.c.subscriber)
    )
    found = []
    for wallet, chosen in everyone:
        if enabled_for(defined, _choices(defined, chosen), category):
            found.append(wallet)
    return found


def _choices(
    defined: list[dict[str, object]], chosen: str | None
) -> list[dict[str, object]] | None:
    """A wallet's choices; None without any, or when they do not fit the channel's settings."""
    try:
        return user_settings(defined, chosen) if chosen else None
    except BadSettings:
        return None
