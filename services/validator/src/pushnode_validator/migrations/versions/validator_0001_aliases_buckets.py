"""Validator: why a channel is inactive, channel aliases, per-channel rate buckets.

Revision ID: validator_0001
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "validator_0001"
down_revision = "0003"


def upgrade() -> None:
    op.add_column(
        "validator_channels", sa.Column("cause", sa.String(20), nullable=False, server_default="")
    )
    op.create_table(
        "validator_aliases",
        sa.Column("chain_id", sa.BigInteger, primary_key=True),
        sa.Column("alias", sa.String(42), primary_key=True),
        sa.Column("channel", sa.String(42), nullable=False, index=True),
    )
    op.create_table(
        "validator_rate_buckets",
        sa.Column("channel", sa.String(42), primary_key=True),
        sa.Column("tokens", sa.BigInteger, nullable=False),
        sa.Column("at_us", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("validator_rate_buckets")
    op.drop_table("validator_aliases")
    with op.batch_alter_table("validator_channels") as batch:
        batch.drop_column("cause")
