"""A registration names the app its token belongs to (NULL: the node's default app).

Revision ID: dispatch_0004
Revises: dispatch_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "dispatch_0004"
down_revision = "dispatch_0003"


def upgrade() -> None:
    with op.batch_alter_table("dispatcher_devices") as batch:
        batch.add_column(sa.Column("app", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dispatcher_devices") as batch:
        batch.drop_column("app")
