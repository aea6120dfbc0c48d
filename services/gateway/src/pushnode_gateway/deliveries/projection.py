"""gateway-deliveries: the `deliveries` topic (DeliveryAttempted, DeliveryAbandoned) folded into
one status row per (notification, device); produces nothing."""

from __future__ import annotations

from pushnode_gateway.deliveries.adapters.store import GAVE_UP, record
from pushnode_shared.infra.consumer import Handler, HandlerContext
from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.protocol.events import DeliveryAbandoned, DeliveryAttempted, payload_of


async def on_delivery_attempted(ctx: HandlerContext, envelope: Envelope) -> None:
    event = payload_of(envelope, DeliveryAttempted)
    await _record(ctx, envelope, event, event.outcome.value, event.attempt)


async def on_delivery_abandoned(ctx: HandlerContext, envelope: Envelope) -> None:
    event = payload_of(envelope, DeliveryAbandoned)
    await _record(ctx, envelope, event, GAVE_UP, event.attempts)


async def _record(
    ctx: HandlerContext,
    envelope: Envelope,
    event: DeliveryAttempted | DeliveryAbandoned,
    status: str,
    attempts: int,
) -> None:
    """The (notification, device) status row as of this event."""
    await record(
        ctx.session,
        notification_id=event.notification_id,
        token=event.device_token,
        wallet=event.wallet,
        provider=event.provider,
        platform=event.platform,
        status=status,
        detail=event.detail,
        attempts=attempts,
        at=envelope.occurred_at,
    )


HANDLERS: dict[str, Handler] = {
    "DeliveryAttempted": on_delivery_attempted,
    "DeliveryAbandoned": on_delivery_abandoned,
}
