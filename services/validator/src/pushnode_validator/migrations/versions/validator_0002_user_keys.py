"""Validator: the Push users' PGP key history that pgpv4 proofs are checked against.

Revision ID: validator_0002
Revises: bcast_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "validator_0002"
down_revision = "bcast_0001"


def upgrade() -> None:
    op.create_table(
        "validator_user_keys",
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("wallet", sa.String(42), nullable=False, index=True),
        sa.Column("since_us", sa.BigInteger, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("public_key", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("expires_us", sa.BigInteger, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("validator_user_keys")
