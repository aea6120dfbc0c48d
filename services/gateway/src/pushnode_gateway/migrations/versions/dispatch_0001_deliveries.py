"""Gateway table: per-device delivery status (read model of the deliveries topic).

Revision ID: dispatch_0001
Revises: chat_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "dispatch_0001"
down_revision = "chat_0001"


def upgrade() -> None:
    op.create_table(
        "gateway_deliveries",
        sa.Column("notification_id", sa.String(64), primary_key=True),
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("token_tail", sa.String(8), nullable=False),
        sa.Column("platform", sa.String(10), nullable=False),
        sa.Column("wallet", sa.String(64), nullable=False),
        sa.Column("provider", sa.String(10), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("gateway_deliveries")
