"""The dispatcher's registry: a projection, and what it answers about a notification.

Consumes devices (DeviceRegistered, DeviceUnregistered) into the device registry, deliveries
(DeliveryAttempted, DeliveryAbandoned) into the delivery-status tables, and
protocol-decisions (SubscriptionAdded/Removed) into the subscription periods a broadcast's
audience is read from (pushnode_shared.protocol.periods). Produces nothing.
"""

from __future__ import annotations

from pushnode_dispatcher import domain
from pushnode_dispatcher.adapters import db
from pushnode_shared.infra.consumer import Handler, HandlerContext, TransientError
from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.protocol import periods
from pushnode_shared.protocol.events import (
    DeliveryAbandoned,
    DeliveryAttempted,
    DeviceRegistered,
    DeviceUnregistered,
    MessageStored,
    SubscriptionAdded,
    SubscriptionRemoved,
    payload_of,
)

__all__ = [
    "DEVICE_HANDLERS",
    "REGISTRY_HANDLERS",
    "STATUS_HANDLERS",
    "SUBSCRIPTION_HANDLERS",
    "devices_for",
]


async def on_device_registered(ctx: HandlerContext, envelope: Envelope) -> None:
    event = payload_of(envelope, DeviceRegistered)
    await db.upsert_device(
        ctx.session,
        event.wallet,
        event.device_token,
        event.platform.value,
        event.apn_token,
        event.app,
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


async def on_delivery_abandoned(ctx: HandlerContext, envelope: Envelope) -> None:
    event = payload_of(envelope, DeliveryAbandoned)
    await db.record_abandoned(
        ctx.session,
        event.notification_id,
        event.device_token,
        event.wallet,
        event.attempts,
        event.detail,
    )


async def on_subscription_added(ctx: HandlerContext, envelope: Envelope) -> None:
    added = payload_of(envelope, SubscriptionAdded)
    await periods.opened(ctx.session, db.PERIODS, added.channel, added.subscriber, added.position)


async def on_subscription_removed(ctx: HandlerContext, envelope: Envelope) -> None:
    removed = payload_of(envelope, SubscriptionRemoved)
    await periods.closed(
        ctx.session, db.PERIODS, removed.channel, removed.subscriber, removed.position
    )


SUBSCRIPTION_HANDLERS: dict[str, Handler] = {
    "SubscriptionAdded": on_subscription_added,
    "SubscriptionRemoved": on_subscription_removed,
}
DEVICE_HANDLERS: dict[str, Handler] = {
    "DeviceRegistered": on_device_registered,
    "DeviceUnregistered": on_device_unregistered,
}
STATUS_HANDLERS: dict[str, Handler] = {
    "DeliveryAttempted": on_delivery_attempted,
    "DeliveryAbandoned": on_delivery_abandoned,
}
REGISTRY_HANDLERS: dict[str, Handler] = DEVICE_HANDLERS | STATUS_HANDLERS


async def devices_for(ctx: HandlerContext, stored: MessageStored) -> list[tuple[str, db.Device]]:
    """(wallet, device) to push: the inbox recipients' devices, or for a broadcast
    those of the channel's subscribers at its position.

    The broadcast's audience is the dispatcher's own fold of protocol-decisions; until that
    fold has reached the broadcast's position the batch is retried (TransientError), so a
    subscriber whose opt-in is still on its way is never skipped.
    """
    if domain.silent(stored):
        return []
    found: list[tuple[str, db.Device]] = []
    for recipient in domain.pushable(stored):
        for device in await db.devices_of(ctx.session, recipient.address):
            found.append((recipient.address, device))
    audience = stored.broadcast
    if audience is not None:
        folded = await periods.folded_to(ctx.session, db.PERIODS, audience.channel)
        if folded < audience.position:
            raise TransientError(
                f"subscriptions of {audience.channel} folded to {folded}, "
                f"the broadcast is at {audience.position}"
            )
        pairs = await db.devices_reached(ctx.session, audience.channel, audience.position)
        kept = set(audience.reaches([wallet for wallet, _ in pairs]))  # its category's
        found += [(wallet, device) for wallet, device in pairs if wallet in kept]
    return found
