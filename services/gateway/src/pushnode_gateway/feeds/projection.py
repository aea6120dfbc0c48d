"""Gateway handlers, one class per consumer.

`Handlers` (gateway-feeds) consumes messages-stored into feed rows, one per recipient, or one
row per broadcast (socket pushes: live.py). `ProtocolHandlers` (gateway-protocol) consumes
protocol-decisions (ChannelCreated, ChannelStateChanged, SubscriptionAdded/Removed,
DelegateAdded/Removed) into the channel registry and the subscription periods a broadcast's
audience is read from (adapters/inbox.py). Neither produces events.
"""

from __future__ import annotations

from functools import partial

from pushnode_gateway import db
from pushnode_gateway.channels.adapters import read_model, registry
from pushnode_gateway.channels.formatting import iso
from pushnode_gateway.feeds.adapters import inbox
from pushnode_gateway.feeds.formatting import feed_item
from pushnode_gateway.feeds.notification_formatting import channel_item, kind_of
from pushnode_shared import periods
from pushnode_shared.consumer import Handler, HandlerContext
from pushnode_shared.envelope import Envelope
from pushnode_shared.events import (
    ChannelCreated,
    ChannelStateChanged,
    ChannelUpdated,
    DelegateAdded,
    DelegateRemoved,
    MessageStored,
    SubscriptionAdded,
    SubscriptionRemoved,
    payload_of,
)


class Handlers:
    """gateway-feeds: feed rows per recipient and a row per channel notification, written in
    bulk once per batch. Sockets are not pushed from here but from the live feed (live.py)."""

    def mapping(self) -> dict[str, Handler]:
        """Event type -> handler."""
        return {"MessageStored": self.on_message_stored}

    async def on_message_stored(self, ctx: HandlerContext, envelope: Envelope) -> None:
        stored = payload_of(envelope, MessageStored)
        channel_rows = ctx.buffer(
            "channel_notifications", partial(read_model.add_channel_notifications, ctx.session)
        )
        channel_rows.append(
            read_model.channel_notification_row(
                stored.notification_id, stored.channel, kind_of(stored), channel_item(stored)
            )
        )
        if stored.broadcast is not None:
            shared = ctx.buffer("broadcasts", partial(inbox.add_broadcasts, ctx.session))
            audience = stored.broadcast
            shared.append(
                inbox.broadcast_row(
                    stored.notification_id,
                    audience.channel,
                    audience.position,
                    stored.channel,
                    feed_item(stored, inbox.READER),
                )
            )
        feed_rows = ctx.buffer("feeds", partial(db.add_feed_rows, ctx.session))
        for recipient in stored.recipients:
            item = feed_item(stored, recipient.address)
            feed_rows.append(
                db.feed_row(
                    recipient.address, stored.notification_id, stored.channel, recipient.spam, item
                )
            )


class ProtocolHandlers:
    """The validator's channel decisions into the registry; every write is replay-safe."""

    def mapping(self) -> dict[str, Handler]:
        """Event type -> handler."""
        return {
            "ChannelCreated": self.on_channel_created,
            "ChannelStateChanged": self.on_channel_state_changed,
            "ChannelUpdated": self.on_channel_updated,
            "SubscriptionAdded": self.on_subscription_added,
            "SubscriptionRemoved": self.on_subscription_removed,
            "DelegateAdded": self.on_delegate_added,
            "DelegateRemoved": self.on_delegate_removed,
        }

    async def on_channel_created(self, ctx: HandlerContext, envelope: Envelope) -> None:
        created = payload_of(envelope, ChannelCreated)
        await registry.upsert_channel(
            ctx.session,
            {
                "channel": created.channel,
                "chain_id": created.chain_id,
                "channel_type": created.channel_type,
                "identity": created.identity,
                "created_block": created.block_number,
                # The envelope's time, not the wall clock: a rebuild writes the same value.
                "created_at": iso(envelope.occurred_at),
            },
        )

    async def on_channel_state_changed(self, ctx: HandlerContext, envelope: Envelope) -> None:
        changed = payload_of(envelope, ChannelStateChanged)
        await registry.set_channel_state(
            ctx.session, changed.channel, changed.active, changed.cause
        )

    async def on_channel_updated(self, ctx: HandlerContext, envelope: Envelope) -> None:
        updated = payload_of(envelope, ChannelUpdated)
        await registry.update_identity(ctx.session, updated.channel, updated.identity)

    async def on_subscription_added(self, ctx: HandlerContext, envelope: Envelope) -> None:
        added = payload_of(envelope, SubscriptionAdded)
        await registry.add_subscription(
            ctx.session, added.channel, added.subscriber, added.chain_id
        )
        await periods.opened(
            ctx.session, inbox.PERIODS, added.channel, added.subscriber, added.position
        )

    async def on_subscription_removed(self, ctx: HandlerContext, envelope: Envelope) -> None:
        removed = payload_of(envelope, SubscriptionRemoved)
        await registry.remove_subscription(ctx.session, removed.channel, removed.subscriber)
        await periods.closed(
            ctx.session, inbox.PERIODS, removed.channel, removed.subscriber, removed.position
        )

    async def on_delegate_added(self, ctx: HandlerContext, envelope: Envelope) -> None:
        added = payload_of(envelope, DelegateAdded)
        await registry.add_delegate(ctx.session, added.channel, added.chain_id, added.delegate)

    async def on_delegate_removed(self, ctx: HandlerContext, envelope: Envelope) -> None:
        removed = payload_of(envelope, DelegateRemoved)
        await registry.remove_delegate(
            ctx.session, removed.channel, removed.chain_id, removed.delegate
        )
