"""Gateway table: the subscribers a broadcast's category held back (Broadcast.held_back),
left out of their inboxes.

Revision ID: settings_0001
Revises: net_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "settings_0001"
down_revision = "net_0002"


def upgrade() -> None:
    op.create_table(
        "gateway_broadcast_held_back",
        sa.Column("notification_id", sa.String(64), primary_key=True),
        sa.Column("subscriber", sa.String(42), primary_key=True),
    )


def downgrade() -> None:
    op.drop_table("gateway_broadcast_held_back")
