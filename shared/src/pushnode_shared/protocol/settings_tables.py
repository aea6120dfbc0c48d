"""Notification settings as tables: each channel's (ChannelSettingsChanged, Core's
`_notifSettings` and descriptions as emitted) and each subscriber's choice (the opt-in's
`userSetting` on SubscriptionAdded), kept per service with its prefix like the periods: the
validator judges categories by its own, the gateway serves its own. Every write replaces."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class SettingsTables:
    """One service's channel settings and subscribers' choices."""

    channels: sa.Table
    users: sa.Table

    @property
    def names(self) -> list[str]:
        """Their table names, for the service's rebuildable STATE_TABLES."""
        return [self.channels.name, self.users.name]


def _columns() -> tuple[list[sa.Column[str]], list[sa.Column[str]]]:
    channel = [
        sa.Column("channel", sa.String(42), primary_key=True),
        sa.Column("settings", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
    ]
    user = [
        sa.Column("channel", sa.String(42), primary_key=True),
        sa.Column("subscriber", sa.String(42), primary_key=True),
        sa.Column("setting", sa.Text, nullable=False),
    ]
    return channel, user


def settings_tables(metadata: sa.MetaData, prefix: str) -> SettingsTables:
    """Declare `<prefix>_channel_settings` and `<prefix>_user_settings`."""
    channel, user = _columns()
    return SettingsTables(
        sa.Table(f"{prefix}_channel_settings", metadata, *channel),
        sa.Table(f"{prefix}_user_settings", metadata, *user),
    )


def create_settings_tables(prefix: str) -> None:
    """Alembic op creating the two tables (keeps their shape in one place)."""
    from alembic import op

    channel, user = _columns()
    op.create_table(f"{prefix}_channel_settings", *channel)
    op.create_table(f"{prefix}_user_settings", *user)


async def set_channel(
    session: AsyncSession, tables: SettingsTables, channel: str, settings: str, description: str
) -> None:
    """The channel's latest settings replace the earlier ones."""
    await session.execute(sa.delete(tables.channels).where(tables.channels.c.channel == channel))
    values = {"channel": channel, "settings": settings, "description": description}
    await session.execute(sa.insert(tables.channels).values(**values))


async def set_user(
    session: AsyncSession,
    tables: SettingsTables,
    channel: str,
    subscriber: str,
    setting: str | None,
) -> None:
    """A wallet's choice for a channel (None: it has none, e.g. it unsubscribed)."""
    c = tables.users.c
    await session.execute(
        sa.delete(tables.users).where((c.channel == channel) & (c.subscriber == subscriber))
    )
    if setting:
        values = {"channel": channel, "subscriber": subscriber, "setting": setting}
        await session.execute(sa.insert(tables.users).values(**values))
