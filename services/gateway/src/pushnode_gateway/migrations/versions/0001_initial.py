"""Gateway tables: feeds and consumer offsets.

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
        "gateway_feeds",
        sa.Column("recipient", sa.String(42), primary_key=True),
        sa.Column("notification_id", sa.String(64), primary_key=True),
        sa.Column("channel", sa.String(42), nullable=False),
        sa.Column("spam", sa.Boolean, nullable=False),
        sa.Column("epoch", sa.String(40), nullable=False),
        sa.Column("item", sa.Text, nullable=False),
    )
    op.create_index("gateway_feeds_by_recipient", "gateway_feeds", ["recipient", "spam", "epoch"])
    create_offsets_table("gateway")


def downgrade() -> None:
    op.drop_table("gateway_consumer_offsets")
    op.drop_index("gateway_feeds_by_recipient", "gateway_feeds")
    op.drop_table("gateway_feeds")
