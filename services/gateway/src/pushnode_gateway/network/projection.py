"""node-records as tables the node API reads (network.adapters).

Consumes NodeRecordAppended, PeerMisbehaved and the registry decisions (PeerRegistered,
PeerRemoved, PeerRetracted) from node-records; produces nothing. Rows are keyed by (origin,
seq), evidence id and the judged observation, so a replay writes nothing twice.
"""

from __future__ import annotations

import sqlalchemy as sa

from pushnode_gateway.network.adapters import evidence, peer_decisions, records
from pushnode_shared.infra.consumer import Handler, HandlerContext
from pushnode_shared.infra.db import insert_ignore
from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.protocol.events import (
    NodeRecordAppended,
    PeerMisbehaved,
    PeerRegistered,
    PeerRemoved,
    PeerRetracted,
    payload_of,
)


async def on_node_record_appended(ctx: HandlerContext, envelope: Envelope) -> None:
    record = payload_of(envelope, NodeRecordAppended).record
    row = {
        "origin": record.origin,
        "seq": record.seq,
        "hash": record.hash,
        "body": record.model_dump_json(),
    }
    await insert_ignore(ctx.session, records, row)


async def on_peer_misbehaved(ctx: HandlerContext, envelope: Envelope) -> None:
    found = payload_of(envelope, PeerMisbehaved).evidence
    row = {
        "id": found.id,
        "origin": found.origin,
        "seq": found.seq,
        "kind": found.kind.value,
        "body": found.model_dump_json(),
    }
    await insert_ignore(ctx.session, evidence, row)


async def _next_position(ctx: HandlerContext) -> int:
    # Counted from the rows, not a database sequence: a sequence keeps counting through
    # rolled-back batches and a rebuild, so the positions (in the state hash) would differ
    # between live and replay. node-records has one partition and one writer at a time.
    top = await ctx.session.scalar(sa.select(sa.func.max(peer_decisions.c.position)))
    return int(top or 0) + 1


async def on_peer_registered(ctx: HandlerContext, envelope: Envelope) -> None:
    found = payload_of(envelope, PeerRegistered)
    row = found.model_dump(include={"observation", "node", "chain_id", "url"})
    await insert_ignore(ctx.session, peer_decisions, row | {"position": await _next_position(ctx)})


async def on_peer_removed(ctx: HandlerContext, envelope: Envelope) -> None:
    found = payload_of(envelope, PeerRemoved)
    row = found.model_dump(include={"observation", "node", "chain_id"}) | {"url": None}
    await insert_ignore(ctx.session, peer_decisions, row | {"position": await _next_position(ctx)})


async def on_peer_retracted(ctx: HandlerContext, envelope: Envelope) -> None:
    gone = payload_of(envelope, PeerRetracted).observation
    await ctx.session.execute(sa.delete(peer_decisions).where(peer_decisions.c.observation == gone))


HANDLERS: dict[str, Handler] = {
    "NodeRecordAppended": on_node_record_appended,
    "PeerMisbehaved": on_peer_misbehaved,
    "PeerRegistered": on_peer_registered,
    "PeerRemoved": on_peer_removed,
    "PeerRetracted": on_peer_retracted,
}
