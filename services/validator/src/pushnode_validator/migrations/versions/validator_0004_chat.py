"""Validator: 1:1 chat state (conversations, accepted messages, block lists in force).

Revision ID: validator_0004
Revises: validator_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "validator_0004"
down_revision = "validator_0003"


def upgrade() -> None:
    op.create_table(
        "validator_chat_threads",
        sa.Column("conversation", sa.String(210), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("intent_sent_by", sa.String(100), nullable=False),
        sa.Column("intent_to", sa.String(100), nullable=False),
    )
    op.create_table(
        "validator_chat_accepted",
        sa.Column("message_id", sa.String(64), primary_key=True),
        sa.Column("conversation", sa.String(210), nullable=False),
    )
    op.create_table(
        "validator_chat_blocks",
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("did", sa.String(100), nullable=False, index=True),
        sa.Column("since_us", sa.BigInteger, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("blocked", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("validator_chat_blocks")
    op.drop_table("validator_chat_accepted")
    op.drop_table("validator_chat_threads")
