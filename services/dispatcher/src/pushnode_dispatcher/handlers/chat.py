"""Chat to phones: consumes `chats` (ChatMessageStored), produces what the sender produces.

A message in an accepted conversation becomes a content-free push to the receiver's
devices: a fixed title, no body, the sender's DID and the message's id and CID, never the
message text (which is ciphertext anyway for `pgp`). Requests, and messages while a
request is pending, reach no phone.
"""

from __future__ import annotations

from collections import Counter

from pushnode_dispatcher.adapters import db
from pushnode_dispatcher.domain import PushContent
from pushnode_dispatcher.handlers.sender import Sender
from pushnode_shared.infra.consumer import Handler, HandlerContext
from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.protocol.caip import parse_account
from pushnode_shared.protocol.events import ChatMessageStored, payload_of

CHAT_TITLE = "New chat message"


def chat_push_content(stored: ChatMessageStored) -> PushContent:
    """What the receiver's phone shows: that a message came, from whom; nothing of its text."""
    return PushContent(
        notification_id=stored.message_id,
        cid=stored.cid,
        channel=stored.from_did,
        payload={"notification": {"title": CHAT_TITLE, "body": ""}, "data": {"app": "Push Chat"}},
    )


class ChatPushes:
    """Handler with the notification sender injected by bootstrap."""

    def __init__(self, sender: Sender) -> None:
        self.sender = sender

    def mapping(self) -> dict[str, Handler]:
        """Event type -> handler, for the consumer of `chats`."""
        return {"ChatMessageStored": self.on_chat_message_stored}

    async def on_chat_message_stored(self, ctx: HandlerContext, envelope: Envelope) -> None:
        stored = payload_of(envelope, ChatMessageStored)
        if not stored.accepted or stored.intent or not self.sender.sending:
            return
        wallet = parse_account(stored.to_did).lower
        targets = []
        skipped: Counter[str] = Counter()
        await self.sender.registry_caught_up()  # a phone registered before the message gets it
        logged = await self.sender.log.all_of(ctx.session, stored.message_id)
        for device in await db.devices_of(ctx.session, wallet):
            target = self.sender.target(wallet, device)
            before = logged.get(device.token)
            if before is not None and not before.in_flight:
                continue  # answered before a crash: never pushed twice
            if target is None:
                skipped[self.sender.skipped(device)] += 1
                continue
            targets.append(target)
        # The sender's own loop: records each send, retries and drops dead tokens alike.
        content = chat_push_content(stored)
        await self.sender.send(ctx, envelope, content, targets, attempt=1, skipped=skipped)
