"""Gateway table: the NodeRegistry decisions that stand (node-records), in the order decided.

Revision ID: net_0002
Revises: users_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "net_0002"
down_revision = "users_0002"


def upgrade() -> None:
    op.create_table(
        "gateway_node_peers",
        sa.Column("position", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("observation", sa.String(64), nullable=False, unique=True),
        sa.Column("node", sa.String(42), nullable=False),
        sa.Column("chain_id", sa.BigInteger, nullable=False),
        sa.Column("url", sa.String(256), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("gateway_node_peers")
