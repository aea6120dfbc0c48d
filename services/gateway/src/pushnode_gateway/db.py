"""The gateway's read models: feed rows per recipient, and channels, subscriptions, delegates."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from pushnode_shared.infra import columns as col
from pushnode_shared.infra.db import insert_ignore_many, offsets_table

metadata = sa.MetaData()
feeds = sa.Table(
    "gateway_feeds",
    metadata,
    col.address("recipient", key=True),
    col.ident("notification_id", key=True),
    col.address("channel"),
    sa.Column("spam", sa.Boolean, nullable=False),
    sa.Column("epoch", sa.String(40), nullable=False),
    sa.Column("item", sa.Text, nullable=False),
)
# Channels, subscriptions and delegates as the validator decided them (protocol-decisions).
channels = sa.Table(
    "gateway_channels",
    metadata,
    col.address("channel", key=True),
    col.chain_id(),
    sa.Column("channel_type", sa.Integer, nullable=False),
    sa.Column("identity", sa.Text, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("blocked", sa.Boolean, nullable=False),
    sa.Column("created_block", sa.BigInteger, nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("subscriber_count", sa.BigInteger, nullable=False),
)
subscriptions = sa.Table(
    "gateway_subscriptions",
    metadata,
    col.address("channel", key=True),
    col.address("subscriber", key=True),
    col.chain_id(),
)
delegates = sa.Table(
    "gateway_delegates",
    metadata,
    col.address("channel", key=True),
    col.chain_id(key=True),
    col.address("delegate", key=True),
)
offsets = offsets_table(metadata, "gateway")
STATE_TABLES = [feeds.name, channels.name, subscriptions.name, delegates.name]


def feed_row(
    recipient: str, notification_id: str, channel: str, spam: bool, item: dict[str, Any]
) -> dict[str, Any]:
    """One wallet's feed row for a notification."""
    return {
        "recipient": recipient,
        "notification_id": notification_id,
        "channel": channel,
        "spam": spam,
        "epoch": item["epoch"],
        "item": json.dumps(item, sort_keys=True),
    }


async def add_feed_rows(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Insert feed rows in one statement; rows already there (a replayed record) stay."""
    await insert_ignore_many(session, feeds, rows)
