"""Listener tables: per-chain cursors and consumer offsets.

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
        "listener_cursors",
        sa.Column("chain_id", sa.BigInteger, primary_key=True),
        sa.Column("block_number", sa.BigInteger, nullable=False),
        sa.Column("block_hash", sa.String(66), nullable=False),
        sa.Column("logs_emitted", sa.BigInteger, nullable=False),
    )
    create_offsets_table("listener")


def downgrade() -> None:
    op.drop_table("listener_consumer_offsets")
    op.drop_table("listener_cursors")
