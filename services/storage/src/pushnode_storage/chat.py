"""Storage for chat: consumes ChatMessageSent from `chats`, produces ChatMessageStored there.

Each message becomes one raw IPFS block (canonical JSON, the SDK's message fields plus
`link`, the CID of the conversation's previous message, and the node's `timestamp`). The
`chats` topic is keyed by conversation, so links follow the one order every replay sees.
"""

from __future__ import annotations

from typing import Any

from pushnode_shared.consumer import HandlerContext, TransientError
from pushnode_shared.envelope import Envelope, derive_id
from pushnode_shared.events import ChatMessageSent, ChatMessageStored, payload_of, wrap
from pushnode_shared.ipfs import BlockStore
from pushnode_shared.topics import CHATS
from pushnode_storage import domain
from pushnode_storage.adapters import chat_db

PRODUCER = "storage"


def chat_stored_form(sent: ChatMessageSent, link: str | None) -> dict[str, Any]:
    """The message as the SDK reads it back (IMessageIPFS), without its own CID."""
    form = {k: v for k, v in sent.message.items() if k not in ("cid", "link")}
    form["link"] = link
    form["timestamp"] = int(sent.sent_at.timestamp() * 1000)
    return form


class ChatStorage:
    """Handler with the block store injected by bootstrap."""

    def __init__(self, blocks: BlockStore) -> None:
        self.blocks = blocks

    async def on_chat_message_sent(self, ctx: HandlerContext, envelope: Envelope) -> None:
        sent = payload_of(envelope, ChatMessageSent)
        head = await chat_db.head(ctx.session, sent.conversation)
        if head is not None and head[1] == sent.message_id:
            return  # already the head: a replayed record must not link to itself
        form = chat_stored_form(sent, head[0] if head else None)
        data = domain.canonical_bytes(form)
        cid = await self.blocks.put(data)
        if cid != domain.cid_of(data):
            raise TransientError(f"kubo returned {cid}, expected {domain.cid_of(data)}")
        await chat_db.set_head(ctx.session, sent.conversation, cid, sent.message_id)
        stored = ChatMessageStored(
            message_id=sent.message_id,
            conversation=sent.conversation,
            from_did=sent.from_did,
            to_did=sent.to_did,
            intent=sent.intent,
            cid=cid,
            link=form["link"],
            message=form,
            accepted=sent.accepted,
        )
        ctx.publish(
            CHATS,
            wrap(
                stored,
                producer=PRODUCER,
                event_id=derive_id(envelope.event_id, "stored"),
                causation_id=envelope.event_id,
                occurred_at=envelope.occurred_at,
            ),
        )
