"""Dispatcher: notifications withdrawn after a reorg (never pushed).

Revision ID: reorg_0001
Revises: bcast_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "reorg_0001"
down_revision = "bcast_0001"


def upgrade() -> None:
    op.create_table(
        "dispatcher_withdrawn",
        sa.Column("notification_id", sa.String(64), primary_key=True),
        sa.Column("reason", sa.String(40), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("dispatcher_withdrawn")
