"""node-records as tables the node API reads (network.adapters).

Consumes NodeRecordAppended and PeerMisbehaved from node-records; produces nothing. Rows are
keyed by (origin, seq) and by evidence id, so a replay writes nothing twice.
"""

from __future__ import annotations

from pushnode_gateway.network.adapters import evidence, records
from pushnode_shared.infra.consumer import Handler, HandlerContext
from pushnode_shared.infra.db import insert_ignore
from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.protocol.events import NodeRecordAppended, PeerMisbehaved, payload_of


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


HANDLERS: dict[str, Handler] = {
    "NodeRecordAppended": on_node_record_appended,
    "PeerMisbehaved": on_peer_misbehaved,
}
