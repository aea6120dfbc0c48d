"""The node-records tables and their reads: every record held, the evidence, the frontier,
and the registry decisions that stand."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pushnode_shared.infra import columns as col
from pushnode_shared.protocol.events import PeerRegistered, PeerRemoved

metadata = sa.MetaData()
records = sa.Table(
    "gateway_node_records",
    metadata,
    col.address("origin", key=True),
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
)
evidence = sa.Table(
    "gateway_node_evidence",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    col.address("origin"),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
)
# A registered (url) or removed (no url) node, per standing decision; a retraction deletes it.
peer_decisions = sa.Table(
    "gateway_node_peers",
    metadata,
    sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),  # projection.py
    sa.Column("observation", sa.String(64), nullable=False, unique=True),
    sa.Column("node", sa.String(42), nullable=False),
    sa.Column("chain_id", sa.BigInteger, nullable=False),
    sa.Column("url", sa.String(256), nullable=True),
)
STATE_TABLES = [records.name, evidence.name, peer_decisions.name]


async def frontier(conn: AsyncConnection) -> dict[str, tuple[int, str]]:
    """Per origin, the highest seq held and its hash (records arrive only contiguously)."""
    top = (
        sa.select(records.c.origin, sa.func.max(records.c.seq).label("seq"))
        .group_by(records.c.origin)
        .subquery()
    )
    query = sa.select(records.c.origin, records.c.seq, records.c.hash).join(
        top, (records.c.origin == top.c.origin) & (records.c.seq == top.c.seq)
    )
    return {row.origin: (int(row.seq), row.hash) for row in await conn.execute(query)}


async def page(conn: AsyncConnection, origin: str, after: int, limit: int) -> list[str]:
    """Up to `limit` record bodies (JSON) of `origin` after `after`, in order."""
    query = (
        sa.select(records.c.body)
        .where(records.c.origin == origin, records.c.seq > after)
        .order_by(records.c.seq)
        .limit(limit)
    )
    return [row.body for row in await conn.execute(query)]


async def all_evidence(conn: AsyncConnection, limit: int) -> list[str]:
    """Evidence bodies (JSON), oldest origin first, bounded."""
    query = sa.select(evidence.c.body).order_by(evidence.c.origin, evidence.c.seq).limit(limit)
    return [row.body for row in await conn.execute(query)]


async def standing_decisions(conn: AsyncConnection) -> list[PeerRegistered | PeerRemoved]:
    """The registry decisions that stand, in the order they were decided (for a PeerBook)."""
    query = sa.select(peer_decisions).order_by(peer_decisions.c.position)
    out: list[PeerRegistered | PeerRemoved] = []
    for row in await conn.execute(query):
        common = {"node": row.node, "chain_id": row.chain_id, "observation": row.observation}
        out.append(
            PeerRemoved(**common) if row.url is None else PeerRegistered(**common, url=row.url)
        )
    return out
