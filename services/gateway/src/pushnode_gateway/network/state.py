"""The state hash: sha256 over the replicated read models, with the frontier it was taken at.

Replicated state only: channels (from the chains), subscriptions, accepted notification ids
with their CIDs, and chat message CIDs. Device registrations, delivery status, feeds' local
epochs and anything node-local are left out, so nodes holding the same inputs hash the same.
Read in one snapshot (REPEATABLE READ on PostgreSQL) with the frontier it goes with. The read
models trail node-records by a pipeline's latency, so compare hashes once the nodes settled.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pushnode_gateway.network.adapters import frontier
from pushnode_shared.infra.db import Database

REPLICATED: dict[str, tuple[str, ...]] = {
    "gateway_channels": ("channel", "chain_id", "channel_type", "identity", "active", "blocked"),
    "gateway_subscriptions": ("channel", "subscriber", "chain_id"),
    "gateway_channel_notifications": ("notification_id", "channel", "item"),
    "gateway_chat_messages": ("cid", "conversation"),
}


def _row(table: str, row: Any) -> list[Any]:
    values = list(row)
    if table == "gateway_channel_notifications":  # the id, channel and CID, not local epochs
        item = json.loads(values[2])
        values[2] = item.get("cid") or item.get("payload", {}).get("cid")
    return values


async def _rows(conn: AsyncConnection, table: str, columns: tuple[str, ...]) -> list[list[Any]]:
    # Constant table and column names (REPLICATED), nothing from a request.
    names = ", ".join(columns)
    query = sa.text(f"SELECT {names} FROM {table} ORDER BY {names}")
    return [_row(table, r) for r in await conn.execute(query)]


async def state_hash(database: Database) -> tuple[str, dict[str, int]]:
    """(hex sha256, per-origin frontier) read together."""
    async with database.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = await conn.execution_options(isolation_level="REPEATABLE READ")
        async with conn.begin():
            heads = await frontier(conn)
            digest = hashlib.sha256()
            for table, columns in REPLICATED.items():
                rows = await _rows(conn, table, columns)
                digest.update(json.dumps([table, rows], sort_keys=True, default=str).encode())
    return digest.hexdigest(), {origin: seq for origin, (seq, _) in sorted(heads.items())}
