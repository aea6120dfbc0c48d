"""gateway-feeds: messages-stored folded into feed rows, one per recipient, or one row per
broadcast (read with the subscription periods: feeds/adapters/inbox.py), plus one row per
notification in the channel's history. Written in bulk once per batch; produces nothing.
MessageWithdrawn (a reorg dropped the notification's log) removes all of them again.
Sockets are not pushed from here but from the live feed (sockets/live.py)."""

from __future__ import annotations

from functools import partial

from pushnode_gateway import db
from pushnode_gateway.channels.adapters import read_model
from pushnode_gateway.feeds.adapters import inbox, withdrawn
from pushnode_gateway.feeds.formatting import channel_item, feed_item, kind_of
from pushnode_shared.infra.consumer import Handler, HandlerContext
from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.protocol.events import MessageStored, MessageWithdrawn, payload_of


async def on_message_stored(ctx: HandlerContext, envelope: Envelope) -> None:
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
        if audience.held_back:
            held = ctx.buffer("held_back", partial(inbox.add_held_back, ctx.session))
            held.extend(inbox.held_back_rows(stored.notification_id, audience.held_back))
    feed_rows = ctx.buffer("feeds", partial(db.add_feed_rows, ctx.session))
    for recipient in stored.recipients:
        item = feed_item(stored, recipient.address)
        feed_rows.append(
            db.feed_row(
                recipient.address, stored.notification_id, stored.channel, recipient.spam, item
            )
        )


async def on_message_withdrawn(ctx: HandlerContext, envelope: Envelope) -> None:
    gone = payload_of(envelope, MessageWithdrawn)
    for key in withdrawn.TABLES:  # rows of this batch not yet written
        pending = ctx.buffers.get(key)
        if pending:
            pending[:] = [r for r in pending if r["notification_id"] != gone.notification_id]
    await withdrawn.remove(ctx.session, gone.notification_id)


HANDLERS: dict[str, Handler] = {
    "MessageStored": on_message_stored,
    "MessageWithdrawn": on_message_withdrawn,
}
