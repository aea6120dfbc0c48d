"""Validator: the profile history users are judged with (profile updates moved from the gateway).

Existing data: the profile updates already on `users` must be in the history before the
validator judges a new one (else an old proof could be replayed), so the `validator-users`
consumer's offsets are dropped and it folds `users` again from the start. Everything else it
folds is kept by event id (key history, block lists), so the re-read changes only this table.

Revision ID: validator_0005
Revises: validator_0004
"""

import sqlalchemy as sa
from alembic import op

revision = "validator_0005"
down_revision = "validator_0004"


def upgrade() -> None:
    op.create_table(
        "validator_user_profiles",
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("did", sa.String(100), nullable=False, index=True),
        sa.Column("since_us", sa.BigInteger, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("digest", sa.String(80), nullable=False),
        sa.Column("signed_at", sa.BigInteger, nullable=True),
    )
    offsets = sa.table("validator_consumer_offsets", sa.column("consumer", sa.String))
    op.execute(offsets.delete().where(offsets.c.consumer == "validator-users"))


def downgrade() -> None:
    op.drop_table("validator_user_profiles")
