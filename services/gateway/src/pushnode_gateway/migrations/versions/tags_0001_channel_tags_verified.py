"""Gateway tables: channel tags (by metadata CID), Core's channel verifications, and
notification settings (channels' and subscribers').

Revision ID: tags_0001
Revises: users_0001
"""

import sqlalchemy as sa
from alembic import op

from pushnode_shared.protocol.settings_tables import create_settings_tables

revision = "tags_0001"
down_revision = "users_0001"


def upgrade() -> None:
    op.create_table(
        "gateway_channel_tags",
        sa.Column("cid", sa.String(100), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("tag", sa.String(512), nullable=False),
    )
    op.create_index("ix_gateway_channel_tags_tag", "gateway_channel_tags", ["tag"])
    op.create_table(
        "gateway_channel_verified",
        sa.Column("channel", sa.String(42), primary_key=True),
        sa.Column("verified_by", sa.String(42), nullable=False),
    )
    create_settings_tables("gateway")


def downgrade() -> None:
    op.drop_table("gateway_user_settings")
    op.drop_table("gateway_channel_settings")
    op.drop_table("gateway_channel_verified")
    op.drop_index("ix_gateway_channel_tags_tag", "gateway_channel_tags")
    op.drop_table("gateway_channel_tags")
