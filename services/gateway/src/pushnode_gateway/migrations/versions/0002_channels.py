"""Gateway tables: channels, subscriptions and delegates (read models of protocol-decisions).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "gateway_channels",
        sa.Column("channel", sa.String(42), primary_key=True),
        sa.Column("chain_id", sa.BigInteger, nullable=False),
        sa.Column("channel_type", sa.Integer, nullable=False),
        sa.Column("identity", sa.Text, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("blocked", sa.Boolean, nullable=False),
        sa.Column("created_block", sa.BigInteger, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("subscriber_count", sa.BigInteger, nullable=False),
    )
    op.create_index(
        "gateway_channels_by_subscribers", "gateway_channels", ["subscriber_count", "channel"]
    )
    op.create_table(
        "gateway_subscriptions",
        sa.Column("channel", sa.String(42), primary_key=True),
        sa.Column("subscriber", sa.String(42), primary_key=True),
        sa.Column("chain_id", sa.BigInteger, nullable=False),
    )
    op.create_index(
        "gateway_subscriptions_by_subscriber", "gateway_subscriptions", ["subscriber", "channel"]
    )
    op.create_table(
        "gateway_delegates",
        sa.Column("channel", sa.String(42), primary_key=True),
        sa.Column("chain_id", sa.BigInteger, primary_key=True),
        sa.Column("delegate", sa.String(42), primary_key=True),
    )
    op.create_index("gateway_delegates_by_delegate", "gateway_delegates", ["delegate"])


def downgrade() -> None:
    op.drop_index("gateway_delegates_by_delegate", "gateway_delegates")
    op.drop_table("gateway_delegates")
    op.drop_index("gateway_subscriptions_by_subscriber", "gateway_subscriptions")
    op.drop_table("gateway_subscriptions")
    op.drop_index("gateway_channels_by_subscribers", "gateway_channels")
    op.drop_table("gateway_channels")
