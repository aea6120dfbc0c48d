"""The reorg guard: consumes NotificationWithdrawn (protocol-decisions) into the withdrawn
table, and tells the sender which notifications it must not push.

Kept apart from the sender's own logic: the sender asks `withheld` once per notification or
retry before it pushes. The listener emits a chain log only once the chain's confirmation
depth (`confirmations`, the push depth) is on top of its block, so what reaches the sender
is past that depth; a withdrawal that arrives while the notification waited (the sender's
backlog, or a scheduled retry) is honoured here.
"""

from __future__ import annotations

from prometheus_client import Counter

from pushnode_dispatcher.adapters import withdrawn
from pushnode_shared.infra.consumer import Handler, HandlerContext
from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.protocol.events import NotificationWithdrawn, payload_of

__all__ = ["WITHDRAWAL_HANDLERS", "withheld"]

WITHHELD = Counter(
    "pushnode_dispatcher_withdrawn_skipped_total",
    "Pushes not sent because their notification was withdrawn (a reorg) before they left",
)


async def on_notification_withdrawn(ctx: HandlerContext, envelope: Envelope) -> None:
    gone = payload_of(envelope, NotificationWithdrawn)
    await withdrawn.record(ctx.session, gone.notification_id, gone.reason)


async def withheld(ctx: HandlerContext, notification_id: str) -> bool:
    """Whether this notification must not be pushed: it was withdrawn."""
    if await withdrawn.is_withdrawn(ctx.session, notification_id):
        WITHHELD.inc()
        return True
    return False


WITHDRAWAL_HANDLERS: dict[str, Handler] = {"NotificationWithdrawn": on_notification_withdrawn}
