"""Validator: per-chain channel delegates.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "validator_delegates",
        sa.Column("channel", sa.String(42), primary_key=True),
        sa.Column("chain_id", sa.BigInteger, primary_key=True),
        sa.Column("delegate", sa.String(42), primary_key=True),
    )


def downgrade() -> None:
    op.drop_table("validator_delegates")
