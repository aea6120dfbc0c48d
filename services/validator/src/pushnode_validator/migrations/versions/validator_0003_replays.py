"""Validator: replay guards, the signed content of accepted notifications and applied opt-ins.

Revision ID: validator_0003
Revises: validator_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "validator_0003"
down_revision = "validator_0002"


def upgrade() -> None:
    op.create_table(
        "validator_signed_contents",
        sa.Column("content_id", sa.String(64), primary_key=True),
        sa.Column("notification_id", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(42), nullable=False),
    )
    op.create_table(
        "validator_applied_optins",
        sa.Column("optin_id", sa.String(64), primary_key=True),
        sa.Column("channel", sa.String(42), nullable=False),
        sa.Column("subscriber", sa.String(42), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("validator_applied_optins")
    op.drop_table("validator_signed_contents")
