"""Gateway: drop the profile history (the validator judges users now and keeps its own).

The gateway's users fold applies the validator's decisions as they are; the key and profile
proofs a DID ever carried are the validator's state (validator_user_keys,
validator_user_profiles), rebuilt from the log.

Revision ID: users_0002
Revises: chat_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "users_0002"
down_revision = "chat_0002"


def upgrade() -> None:
    op.drop_table("gateway_user_history")


def downgrade() -> None:
    op.create_table(
        "gateway_user_history",
        sa.Column("did", sa.String(100), primary_key=True),
        sa.Column("digest", sa.String(80), primary_key=True),
    )
