"""Validator tables: channels, subscriptions, judged notifications, consumer offsets.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from pushnode_shared.infra.db import create_offsets_table

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "validator_channels",
        sa.Column("channel", sa.String(42), primary_key=True),
        sa.Column("chain_id", sa.BigInteger, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("channel_type", sa.Integer, nullable=False),
        sa.Column("identity", sa.Text, nullable=False),
    )
    op.create_table(
        "validator_subscriptions",
        sa.Column("channel", sa.String(42), primary_key=True),
        sa.Column("subscriber", sa.String(42), primary_key=True),
    )
    op.create_table(
        "validator_notifications",
        sa.Column("notification_id", sa.String(64), primary_key=True),
        sa.Column("channel", sa.String(42), nullable=False),
        sa.Column("accepted", sa.Boolean, nullable=False),
        sa.Column("reason", sa.String(40), nullable=True),
    )
    create_offsets_table("validator")


def downgrade() -> None:
    for name in (
        "validator_consumer_offsets",
        "validator_notifications",
        "validator_subscriptions",
        "validator_channels",
    ):
        op.drop_table(name)
