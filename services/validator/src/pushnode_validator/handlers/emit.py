"""Publishing a decision or fact (protocol-decisions, chats, users, node-records), its id from
its cause."""

from __future__ import annotations

from pushnode_shared.infra.consumer import HandlerContext
from pushnode_shared.infra.envelope import Envelope, derive_id
from pushnode_shared.protocol.events import Event, wrap
from pushnode_shared.protocol.topics import PROTOCOL_DECISIONS

PRODUCER = "validator"


def emit(ctx: HandlerContext, cause: Envelope, event: Event, role: str) -> None:
    """Queue `event` for the batch's transaction; a replayed cause re-publishes the same id."""
    ctx.publish(PROTOCOL_DECISIONS, decided(cause, event, role))


def decision_id(cause: Envelope, *role: str) -> str:
    """The id of the decision `role` on `cause`: the same on every replay."""
    return derive_id(cause.event_id, *role)


def decided(cause: Envelope, event: Event, *role: str) -> Envelope:
    """`event` as the decision `role` on `cause`, with the id `decision_id(cause, *role)`."""
    return wrap(
        event,
        producer=PRODUCER,
        event_id=decision_id(cause, *role),
        causation_id=cause.event_id,
        occurred_at=cause.occurred_at,
    )
