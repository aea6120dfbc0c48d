"""The send log keeps each answer whole, so a crash after a push replays its facts, not it.

Revision ID: dispatch_0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "dispatch_0003"
down_revision = "0002"
COLUMNS = ("wallet", "provider", "platform", "detail", "error_code", "retry_after")


def upgrade() -> None:
    with op.batch_alter_table("dispatcher_sends") as batch:
        batch.add_column(sa.Column("wallet", sa.String(42), nullable=True))
        batch.add_column(sa.Column("provider", sa.String(10), nullable=True))
        batch.add_column(sa.Column("platform", sa.String(10), nullable=True))
        batch.add_column(sa.Column("detail", sa.Text, nullable=True))
        batch.add_column(sa.Column("error_code", sa.String(64), nullable=True))
        batch.add_column(sa.Column("retry_after", sa.Float, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dispatcher_sends") as batch:
        for name in COLUMNS:
            batch.drop_column(name)
