"""gateway-deliveries: the `deliveries` topic (DeliveryAttempted, DeliveryAbandoned) folded into
one status row per (notification, device); produces nothing."""

from __future__ import annotations

from pushnode_gateway.deliveries.adapters.store import GAVE_UP, record
from pushnode_shared.infra.consumer import Handler, HandlerContext
from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.protocol.events import DeliveryAbandoned, DeliveryAttempted, payload_of


async def on_delivery_attempted(ctx: HandlerContext, envelope: Envelope) -> None:
    event = payload_of(envelope, DeliveryAttempted)
    await record(
        ctx.session,
        notification_id=event.notification_id,
        token=event.device_token,
        wallet=event.wallet,
        provider=event.provider,
        platform=event.platform,
        status=event.outcome.value,
        detail=event.detail,
        attempts=event.attempt,
        at=envelope.occurred_at,
    )


async def on_delivery_abandoned(ctx: HandlerContext, envelope: Envelope) -> None:
    event = payload_of(envelope, DeliveryAbandoned)
    await record(
        ctx.session,
        notification_id=event.notification_id,
        token=event.device_token,
        wallet=event.wallet,
        provider=event.provider,
        platform=event.platform,
        status=GAVE_UP,
        detail=event.detail,
        attempts=event.attempts,
        at=envelope.occurred_at,
    )


HANDLERS: dict[str, Handler] = {
    "DeliveryAttempted": on_delivery_attempted,
    "DeliveryAbandoned": on_delivery_abandoned,
}
