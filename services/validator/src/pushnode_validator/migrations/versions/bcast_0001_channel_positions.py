"""Validator: each channel's subscription position (the count of its subscription facts).

Revision ID: bcast_0001
Revises: validator_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "bcast_0001"
down_revision = "validator_0001"


def upgrade() -> None:
    op.create_table(
        "validator_channel_positions",
        sa.Column("channel", sa.String(42), primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("validator_channel_positions")
