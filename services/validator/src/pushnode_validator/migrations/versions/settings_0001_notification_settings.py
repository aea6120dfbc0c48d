"""Validator: channels' notification settings and subscribers' choices (adapters/settings.py),
what a notification's category is judged by.

Revision ID: settings_0001
Revises: validator_0004
"""

import sqlalchemy as sa
from alembic import op

revision = "settings_0001"
down_revision = "validator_0004"


def upgrade() -> None:
    op.create_table(
        "validator_channel_settings",
        sa.Column("channel", sa.String(42), primary_key=True),
        sa.Column("settings", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
    )
    op.create_table(
        "validator_user_settings",
        sa.Column("channel", sa.String(42), primary_key=True),
        sa.Column("subscriber", sa.String(42), primary_key=True),
        sa.Column("setting", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("validator_user_settings")
    op.drop_table("validator_channel_settings")
