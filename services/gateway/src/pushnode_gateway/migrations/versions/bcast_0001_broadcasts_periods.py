"""Gateway: one row per broadcast, and subscription periods to read its audience from.

Revision ID: bcast_0001
Revises: dispatch_0001
"""

import sqlalchemy as sa
from alembic import op

from pushnode_shared.protocol.periods import create_period_tables, drop_period_tables

revision = "bcast_0001"
down_revision = "dispatch_0001"


def upgrade() -> None:
    op.create_table(
        "gateway_broadcasts",
        sa.Column("notification_id", sa.String(64), primary_key=True),
        sa.Column("channel", sa.String(42), nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("sender", sa.String(42), nullable=False),
        sa.Column("epoch", sa.String(40), nullable=False),
        sa.Column("item", sa.Text, nullable=False),
    )
    op.create_index("ix_gateway_broadcasts_audience", "gateway_broadcasts", ["channel", "position"])
    create_period_tables("gateway")
    # Periods of the subscriptions folded before this revision: as if subscribed from the
    # channel's first position (their facts carried none).
    op.execute(
        "INSERT INTO gateway_subscription_periods (channel, subscriber, from_position, to_position)"
        " SELECT channel, subscriber, 0, NULL FROM gateway_subscriptions"
    )


def downgrade() -> None:
    drop_period_tables("gateway")
    op.drop_index("ix_gateway_broadcasts_audience", "gateway_broadcasts")
    op.drop_table("gateway_broadcasts")
