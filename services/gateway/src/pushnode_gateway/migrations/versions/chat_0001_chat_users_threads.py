"""Gateway chat tables: users (PGP profiles), conversations, stored messages.

Revision ID: chat_0001
Revises: read_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "chat_0001"
down_revision = "read_0001"


def upgrade() -> None:
    op.create_table(
        "gateway_chat_users",
        sa.Column("did", sa.String(100), primary_key=True),
        sa.Column("caip10", sa.String(100), nullable=False),
        sa.Column("public_key", sa.Text, nullable=False),
        sa.Column("encrypted_private_key", sa.Text, nullable=False),
        sa.Column("verification_proof", sa.Text, nullable=False),
        sa.Column("origin", sa.Text, nullable=True),
        sa.Column("profile", sa.Text, nullable=False),
        sa.Column("msg_sent", sa.Integer, nullable=False),
    )
    op.create_table(
        "gateway_chat_threads",
        sa.Column("conversation", sa.String(210), primary_key=True),
        sa.Column("intent_sent_by", sa.String(100), nullable=False),
        sa.Column("intent_to", sa.String(100), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("intent_timestamp", sa.String(40), nullable=False),
        sa.Column("thread_hash", sa.String(100), nullable=True),
        sa.Column("last_timestamp", sa.BigInteger, nullable=False),
    )
    op.create_index("gateway_chat_threads_by_receiver", "gateway_chat_threads", ["intent_to"])
    op.create_table(
        "gateway_chat_messages",
        sa.Column("cid", sa.String(100), primary_key=True),
        sa.Column("message_id", sa.String(64), nullable=False, unique=True),
        sa.Column("conversation", sa.String(210), nullable=False),
        sa.Column("link", sa.String(100), nullable=True),
        sa.Column("body", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("gateway_chat_messages")
    op.drop_index("gateway_chat_threads_by_receiver", "gateway_chat_threads")
    op.drop_table("gateway_chat_threads")
    op.drop_table("gateway_chat_users")
