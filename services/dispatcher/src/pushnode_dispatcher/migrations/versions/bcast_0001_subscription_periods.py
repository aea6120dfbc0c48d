"""Dispatcher: subscription periods and per-channel positions (who a broadcast reaches).

Revision ID: bcast_0001
Revises: dispatch_0004
"""

from pushnode_shared.protocol.periods import create_period_tables, drop_period_tables

revision = "bcast_0001"
down_revision = "dispatch_0004"


def upgrade() -> None:
    create_period_tables("dispatcher")


def downgrade() -> None:
    drop_period_tables("dispatcher")
