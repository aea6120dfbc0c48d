"""Gateway handlers: consume messages-stored, maintain feeds, push to sockets after commit."""

from __future__ import annotations

from functools import partial

from pushnode_gateway.adapters import db
from pushnode_gateway.feed import feed_item
from pushnode_gateway.sockets import FeedSockets
from pushnode_shared.consumer import Handler, HandlerContext
from pushnode_shared.envelope import Envelope
from pushnode_shared.events import MessageStored, payload_of


class Handlers:
    """Handlers with the socket server injected by bootstrap."""

    def __init__(self, sockets: FeedSockets | None) -> None:
        self.sockets = sockets

    def mapping(self) -> dict[str, Handler]:
        """Event type -> handler."""
        return {"MessageStored": self.on_message_stored}

    async def on_message_stored(self, ctx: HandlerContext, envelope: Envelope) -> None:
        stored = payload_of(envelope, MessageStored)
        for recipient in stored.recipients:
            item = feed_item(stored, recipient.address)
            added = await db.add_feed_item(
                ctx.session,
                recipient.address,
                stored.notification_id,
                stored.channel,
                recipient.spam,
                item["epoch"],
                item,
            )
            if added and self.sockets is not None:
                ctx.later(partial(self.sockets.push, recipient.address, recipient.spam, item))
