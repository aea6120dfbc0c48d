"""Storage uploads, the CIDs channels reference, and what the upload sweep unpinned.

Revision ID: uploads_0001
Revises: chat_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "uploads_0001"
down_revision = "chat_0001"


def upgrade() -> None:
    op.create_table(
        "storage_uploads",
        sa.Column("cid", sa.String(100), primary_key=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("storage_uploads_by_time", "storage_uploads", ["uploaded_at"])
    op.create_table("storage_referenced", sa.Column("cid", sa.String(100), primary_key=True))
    op.create_table("storage_unpinned", sa.Column("cid", sa.String(100), primary_key=True))


def downgrade() -> None:
    op.drop_table("storage_unpinned")
    op.drop_table("storage_referenced")
    op.drop_index("storage_uploads_by_time", "storage_uploads")
    op.drop_table("storage_uploads")
