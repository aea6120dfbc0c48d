"""NodeRegistry logs: consumes their ChainEventObserved and ChainEventRetracted; produces
PeerRegistered/Removed/Refused and PeerRetracted on node-records, beside the node's records,
where the listener's network loops and the gateway's node API fold the peer set."""

from __future__ import annotations

from pushnode_shared.infra.consumer import HandlerContext
from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.protocol.chains import ChainConfig
from pushnode_shared.protocol.events import ChainEventObserved, ChainEventRetracted, Event
from pushnode_shared.protocol.topics import NODE_RECORDS
from pushnode_validator.adapters import db
from pushnode_validator.domain.peers import judge_registry, retracted
from pushnode_validator.handlers.emit import decided


async def on_registry_log(
    ctx: HandlerContext,
    envelope: Envelope,
    log: ChainEventObserved,
    chains: tuple[ChainConfig, ...],
) -> None:
    """Decide one registry log and remember the decision, for a retraction to undo."""
    decision = judge_registry(log, envelope.event_id, chains)
    if decision is not None:
        ctx.publish(NODE_RECORDS, decided(envelope, decision, "peer"))
    await db.mark_applied(ctx.session, envelope.event_id, log.channel, _listed(decision))


async def on_registry_retracted(
    ctx: HandlerContext, envelope: Envelope, gone: ChainEventRetracted, done: list[Event]
) -> None:
    """The chain dropped a registry log: whatever its decision changed, undone."""
    for decision in done:
        undo = retracted(decision)
        if undo is not None:
            ctx.publish(NODE_RECORDS, decided(envelope, undo, "peer-undo"))
    await db.forget_applied(ctx.session, gone.retracted_event_id)


def _listed(decision: Event | None) -> list[Event]:
    return [] if decision is None else [decision]
