"""The sender's record counts attempts: dispatcher_sends.attempts.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.add_column(
        "dispatcher_sends",
        sa.Column("attempts", sa.Integer, nullable=False, server_default="1"),
    )


def downgrade() -> None:
    with op.batch_alter_table("dispatcher_sends") as batch:
        batch.drop_column("attempts")
