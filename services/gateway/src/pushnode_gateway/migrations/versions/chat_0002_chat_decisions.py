"""Gateway table: the validator's decisions on chat answers and refusals of chat inputs, read
by the write routes that wait for them.

Revision ID: chat_0002
Revises: tags_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "chat_0002"
down_revision = "tags_0001"


def upgrade() -> None:
    op.create_table(
        "gateway_chat_decisions",
        sa.Column("input_id", sa.String(64), primary_key=True),
        sa.Column("conversation", sa.String(210), nullable=False),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("gateway_chat_decisions")
