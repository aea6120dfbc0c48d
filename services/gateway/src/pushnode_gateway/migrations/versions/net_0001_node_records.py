"""Gateway tables: the node records held and the evidence against origins (node-records).

Revision ID: net_0001
Revises: bcast_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "net_0001"
down_revision = "bcast_0001"


def upgrade() -> None:
    op.create_table(
        "gateway_node_records",
        sa.Column("origin", sa.String(42), primary_key=True),
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_table(
        "gateway_node_evidence",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("origin", sa.String(42), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("gateway_node_evidence")
    op.drop_table("gateway_node_records")
