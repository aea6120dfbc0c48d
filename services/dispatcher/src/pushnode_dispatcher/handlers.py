"""Dispatcher handlers.

Registry (a projection): consumes devices (DeviceRegistered, DeviceUnregistered) and
deliveries (DeliveryAttempted) into the device registry and delivery-status tables.
Sender (effects): consumes messages-stored (MessageStored); pushes to each inbox recipient's
devices, produces DeliveryAttempted, and DeviceUnregistered for tokens a provider says are dead.
"""

from __future__ import annotations

from typing import Protocol

from pushnode_dispatcher import domain
from pushnode_dispatcher.adapters import db
from pushnode_dispatcher.adapters.fcm import FcmMessage, Outcome, SendOutcome
from pushnode_shared.consumer import Handler, HandlerContext
from pushnode_shared.envelope import Envelope, derive_id
from pushnode_shared.events import (
    DeliveryAttempted,
    DeliveryOutcome,
    DeviceRegistered,
    DeviceUnregistered,
    MessageStored,
    payload_of,
    wrap,
)
from pushnode_shared.topics import DELIVERIES, DEVICES

PRODUCER = "dispatcher"


class Pusher(Protocol):
    """A provider client (FCM here; APNs and Web Push join in issue [F])."""

    async def send(self, message: FcmMessage) -> SendOutcome: ...


async def on_device_registered(ctx: HandlerContext, envelope: Envelope) -> None:
    event = payload_of(envelope, DeviceRegistered)
    await db.upsert_device(
        ctx.session, event.wallet, event.device_token, event.platform.value, event.apn_token
    )


async def on_device_unregistered(ctx: HandlerContext, envelope: Envelope) -> None:
    event = payload_of(envelope, DeviceUnregistered)
    await db.remove_device(ctx.session, event.wallet, event.device_token)


async def on_delivery_attempted(ctx: HandlerContext, envelope: Envelope) -> None:
    event = payload_of(envelope, DeliveryAttempted)
    await db.record_delivery(
        ctx.session,
        event.notification_id,
        event.device_token,
        event.wallet,
        event.outcome.value,
        event.detail,
        event.attempt,
    )


REGISTRY_HANDLERS: dict[str, Handler] = {
    "DeviceRegistered": on_device_registered,
    "DeviceUnregistered": on_device_unregistered,
    "DeliveryAttempted": on_delivery_attempted,
}


class Sender:
    """Sends stored notifications to registered devices through the injected provider."""

    def __init__(self, fcm: Pusher | None) -> None:
        self.fcm = fcm

    def mapping(self) -> dict[str, Handler]:
        """Event type -> handler."""
        return {"MessageStored": self.on_message_stored}

    async def on_message_stored(self, ctx: HandlerContext, envelope: Envelope) -> None:
        stored = payload_of(envelope, MessageStored)
        if self.fcm is None:
            return
        for recipient in domain.pushable(stored):
            for token, _platform in await db.devices_of(ctx.session, recipient.address):
                if await db.already_sent(ctx.session, stored.notification_id, token):
                    continue
                outcome = await self.fcm.send(domain.fcm_message(stored, token))
                await db.record_send(ctx.session, stored.notification_id, token, outcome.kind.value)
                _publish_outcome(ctx, envelope, stored, recipient.address, token, outcome)


def _publish_outcome(
    ctx: HandlerContext,
    cause: Envelope,
    stored: MessageStored,
    wallet: str,
    token: str,
    outcome: SendOutcome,
) -> None:
    attempt = DeliveryAttempted(
        notification_id=stored.notification_id,
        wallet=wallet,
        device_token=token,
        provider="fcm",
        outcome=DeliveryOutcome[outcome.kind.name],
        detail=outcome.detail or (outcome.message_name or ""),
        attempt=1,
    )
    ident = derive_id(cause.event_id, "delivery", token)
    ctx.publish(
        DELIVERIES, wrap(attempt, producer=PRODUCER, event_id=ident, causation_id=cause.event_id)
    )
    if outcome.kind is Outcome.DROP_TOKEN:
        gone = DeviceUnregistered(
            wallet=wallet, device_token=token, reason=f"fcm: {outcome.error_code}"
        )
        ident = derive_id(cause.event_id, "drop-token", token)
        ctx.publish(
            DEVICES, wrap(gone, producer=PRODUCER, event_id=ident, causation_id=cause.event_id)
        )
