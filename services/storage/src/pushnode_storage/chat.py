"""Storage for chat: consumes ChatMessageAccepted (the validator's decision) from `chats`,
produces ChatMessageStored there.

Each message becomes one raw IPFS block (canonical JSON, the SDK's message fields plus
`link`, the CID of the conversation's previous message, and the node's `timestamp`). The
`chats` topic is keyed by conversation, so links follow the one order every replay sees.
"""

from __future__ import annotations

from typing import Any

from pushnode_shared.infra.consumer import HandlerContext, TransientError
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.envelope import Envelope, MalformedEvent
from pushnode_shared.infra.ipfs import BlockStore
from pushnode_shared.protocol.events import ChatMessageAccepted, ChatMessageStored, payload_of
from pushnode_shared.protocol.topics import CHATS
from pushnode_storage import domain
from pushnode_storage.adapters import chat_db
from pushnode_storage.adapters.blocks import put_all

PARALLEL_PUTS = 16


def chat_stored_form(sent: ChatMessageAccepted, link: str | None) -> dict[str, Any]:
    """The message as the SDK reads it back (IMessageIPFS), without its own CID."""
    form = {k: v for k, v in sent.message.items() if k not in ("cid", "link")}
    form["link"] = link
    form["timestamp"] = int(sent.sent_at.timestamp() * 1000)
    return form


def _sent_or_none(envelope: Envelope) -> ChatMessageAccepted | None:
    try:
        return payload_of(envelope, ChatMessageAccepted)  # type: ignore[no-any-return]
    except MalformedEvent:
        return None  # the handler pass dead-letters it


class ChatStorage:
    """Handler with the block store (and, for the prepare step, the database) injected."""

    def __init__(self, blocks: BlockStore, database: Database | None = None) -> None:
        self.blocks = blocks
        self.database = database
        # Blocks kubo confirmed in this batch's prepare step (content-addressed: a stale
        # entry can only name the same bytes).
        self.put_done: dict[bytes, str] = {}

    async def prepare(self, envelopes: list[Envelope]) -> None:
        """Put the batch's blocks into kubo concurrently, links predicted from the stored heads.

        Only the consumer writes heads, so the committed heads plus the batch in order give
        the links the handlers will compute; a block predicted wrongly is just put again.
        """
        self.put_done.clear()
        sents = [_sent_or_none(e) for e in envelopes if e.type == "ChatMessageAccepted"]
        batch = [s for s in sents if s is not None]
        if not batch or self.database is None:
            return
        heads: dict[str, tuple[str, str] | None] = {}
        async with self.database.engine.connect() as conn:
            for conversation in {s.conversation for s in batch}:
                heads[conversation] = await chat_db.head(conn, conversation)
        datas = []
        for sent in batch:
            head = heads[sent.conversation]
            if head is not None and head[1] == sent.message_id:
                continue
            data = domain.canonical_bytes(chat_stored_form(sent, head[0] if head else None))
            heads[sent.conversation] = (domain.cid_of(data), sent.message_id)
            datas.append(data)
        self.put_done = await put_all(self.blocks, datas, PARALLEL_PUTS)

    async def on_chat_message_accepted(self, ctx: HandlerContext, envelope: Envelope) -> None:
        sent = payload_of(envelope, ChatMessageAccepted)
        head = await chat_db.head(ctx.session, sent.conversation)
        if head is not None and head[1] == sent.message_id:
            return  # already the head: a replayed record must not link to itself
        form = chat_stored_form(sent, head[0] if head else None)
        data = domain.canonical_bytes(form)
        cid = self.put_done.get(data) or await self.blocks.put(data)
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
        ctx.publish(CHATS, domain.consequence(envelope, stored, "stored"))
