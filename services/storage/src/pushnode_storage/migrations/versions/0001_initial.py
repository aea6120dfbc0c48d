"""Storage tables: the CID index and consumer offsets.

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
        "storage_messages",
        sa.Column("notification_id", sa.String(64), primary_key=True),
        sa.Column("cid", sa.String(100), nullable=False),
        sa.Column("channel", sa.String(42), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
    )
    create_offsets_table("storage")


def downgrade() -> None:
    op.drop_table("storage_consumer_offsets")
    op.drop_table("storage_messages")
