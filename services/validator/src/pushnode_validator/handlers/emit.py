"""Publishing a decision or fact (on protocol-decisions by emit), its id derived from its cause."""

from __future__ import annotations

from pushnode_shared.infra.consumer import HandlerContext
from pushnode_shared.infra.envelope import Envelope, derive_id
from pushnode_shared.protocol.events import Event, wrap
from pushnode_shared.protocol.topics import PROTOCOL_DECISIONS

PRODUCER = "validator"


def emit(ctx: HandlerContext, cause: Envelope, event: Event, role: str) -> None:
    """Queue `event` for the batch's transaction; a replayed cause re-publishes the same id."""
    ctx.publish(PROTOCOL_DECISIONS, decided(cause, event, role))


def decided(cause: Envelope, event: Event, role: str) -> Envelope:
    """The envelope of a decision on `cause`: its id derived from the cause's and the role."""
    ident, why, when = derive_id(cause.event_id, role), cause.event_id, cause.occurred_at
    return wrap(event, producer=PRODUCER, event_id=ident, causation_id=why, occurred_at=when)
