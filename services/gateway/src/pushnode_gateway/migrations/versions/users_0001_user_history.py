"""Gateway: every key and profile proof a user's row ever carried (rollback refusal).

Revision ID: users_0001
Revises: bcast_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "users_0001"
down_revision = "net_0001"


def upgrade() -> None:
    op.create_table(
        "gateway_user_history",
        sa.Column("did", sa.String(100), primary_key=True),
        sa.Column("digest", sa.String(80), primary_key=True),
    )


def downgrade() -> None:
    op.drop_table("gateway_user_history")
