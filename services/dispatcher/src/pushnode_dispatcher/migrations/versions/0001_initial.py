"""Dispatcher tables: devices, deliveries, sends, consumer offsets.

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
        "dispatcher_devices",
        sa.Column("wallet", sa.String(42), primary_key=True),
        sa.Column("device_token", sa.String(4096), primary_key=True),
        sa.Column("platform", sa.String(10), nullable=False),
        sa.Column("apn_token", sa.Text, nullable=True),
    )
    op.create_table(
        "dispatcher_deliveries",
        sa.Column("notification_id", sa.String(64), primary_key=True),
        sa.Column("device_token", sa.String(4096), primary_key=True),
        sa.Column("wallet", sa.String(42), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
    )
    op.create_table(
        "dispatcher_sends",
        sa.Column("notification_id", sa.String(64), primary_key=True),
        sa.Column("device_token", sa.String(4096), primary_key=True),
        sa.Column("outcome", sa.String(20), nullable=False),
    )
    create_offsets_table("dispatcher")


def downgrade() -> None:
    for name in (
        "dispatcher_consumer_offsets",
        "dispatcher_sends",
        "dispatcher_deliveries",
        "dispatcher_devices",
    ):
        op.drop_table(name)
