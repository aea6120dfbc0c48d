"""Gateway tables: channels' sent notifications, uploaded metadata, aliases, per-channel feeds.

Revision ID: read_0001
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "read_0001"
down_revision = "0002"


def upgrade() -> None:
    op.create_table(
        "gateway_channel_notifications",
        sa.Column("notification_id", sa.String(64), primary_key=True),
        sa.Column("channel", sa.String(42), nullable=False),
        sa.Column("kind", sa.Integer, nullable=False),
        sa.Column("epoch", sa.String(40), nullable=False),
        sa.Column("item", sa.Text, nullable=False),
    )
    op.create_index(
        "gateway_channel_notifications_by_channel",
        "gateway_channel_notifications",
        ["channel", "epoch"],
    )
    op.create_index(
        "gateway_channel_notifications_by_kind",
        "gateway_channel_notifications",
        ["channel", "kind", "epoch"],
    )
    op.create_table(
        "gateway_channel_meta",
        sa.Column("cid", sa.String(100), primary_key=True),
        sa.Column("name", sa.Text, nullable=True),
        sa.Column("info", sa.Text, nullable=True),
        sa.Column("url", sa.Text, nullable=True),
        sa.Column("icon", sa.Text, nullable=True),
    )
    op.create_table(
        "gateway_aliases",
        sa.Column("alias_chain_id", sa.BigInteger, primary_key=True),
        sa.Column("alias", sa.String(42), primary_key=True),
        sa.Column("channel", sa.String(42), nullable=False),
    )
    op.create_index("gateway_aliases_by_channel", "gateway_aliases", ["channel"])
    # GET /v1/users/{user}/channels/{channel}/feeds reads one wallet's feed from one channel.
    op.create_index(
        "gateway_feeds_by_recipient_channel",
        "gateway_feeds",
        ["recipient", "channel", "spam", "epoch"],
    )


def downgrade() -> None:
    op.drop_index("gateway_feeds_by_recipient_channel", "gateway_feeds")
    op.drop_index("gateway_aliases_by_channel", "gateway_aliases")
    op.drop_table("gateway_aliases")
    op.drop_table("gateway_channel_meta")
    op.drop_index("gateway_channel_notifications_by_kind", "gateway_channel_notifications")
    op.drop_index("gateway_channel_notifications_by_channel", "gateway_channel_notifications")
    op.drop_table("gateway_channel_notifications")
