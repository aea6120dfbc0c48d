"""Validator: channels' notification settings and subscribers' choices (adapters/settings.py),
what a notification's category is judged by.

Revision ID: settings_0001
Revises: validator_0005
"""

from alembic import op

from pushnode_shared.protocol.settings_tables import create_settings_tables

revision = "settings_0001"
down_revision = "validator_0005"


def upgrade() -> None:
    create_settings_tables("validator")


def downgrade() -> None:
    op.drop_table("validator_user_settings")
    op.drop_table("validator_channel_settings")
