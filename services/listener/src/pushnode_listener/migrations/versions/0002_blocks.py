"""Listener reorg window: the recent blocks emitted past, per chain.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "listener_blocks",
        sa.Column("chain_id", sa.BigInteger, primary_key=True),
        sa.Column("block_number", sa.BigInteger, primary_key=True),
        sa.Column("block_hash", sa.String(66), nullable=False),
        sa.Column("parent_hash", sa.String(66), nullable=False),
        sa.Column("logs", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("listener_blocks")
