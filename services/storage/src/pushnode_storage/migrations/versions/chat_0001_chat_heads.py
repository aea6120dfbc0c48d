"""Storage chat heads: the newest CID of each conversation (the next message's link).

Revision ID: chat_0001
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "chat_0001"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "storage_chat_heads",
        sa.Column("conversation", sa.String(210), primary_key=True),
        sa.Column("cid", sa.String(100), nullable=False),
        sa.Column("message_id", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("storage_chat_heads")
