"""Validator: which chain events were applied and what facts they produced (for retractions).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_table(
        "validator_applied",
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("channel", sa.String(42), nullable=False),
        sa.Column("facts", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("validator_applied")
