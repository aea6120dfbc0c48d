"""Storage for chat: links follow the log order; the prepare step puts the same blocks early."""

from __future__ import annotations

from datetime import UTC, datetime

from pushnode_shared.infra.consumer import HandlerContext
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.infra.ipfs import MemoryBlockStore
from pushnode_shared.protocol.events import ChatMessageAccepted, ChatMessageStored, unwrap, wrap
from pushnode_storage.chat import ChatStorage
from tests.support.blocks import CountingBlocks

A, B = "eip155:0xA", "eip155:0xB"


def sent(n: int) -> Envelope:
    event = ChatMessageAccepted(
        message_id=f"m{n}",
        conversation=f"{A}+{B}",
        from_did=A,
        to_did=B,
        intent=n == 0,
        message={"fromDID": A, "toDID": B, "messageObj": f"U2FsdGVkX1{n}"},
        sent_at=datetime(2026, 1, 1, 0, 0, n, tzinfo=UTC),
        accepted=n > 0,
        signing_key="fa",
    )
    return wrap(event, producer="validator")


async def store_batch(storage: ChatStorage, db: Database, batch: list[Envelope]) -> list[Envelope]:
    await storage.prepare(batch)
    out: list[Envelope] = []
    async with db.transaction() as session:
        ctx = HandlerContext(session=session, replay=False)
        for envelope in batch:
            await storage.on_chat_message_accepted(ctx, envelope)
        out = [e for _, e in ctx.outbox]
    return out


async def test_each_message_links_to_the_one_before_across_batches(storage_db: Database) -> None:
    storage = ChatStorage(MemoryBlockStore(), storage_db)
    first = await store_batch(storage, storage_db, [sent(0), sent(1)])
    second = await store_batch(storage, storage_db, [sent(2)])
    stored = [unwrap(e) for e in first + second]
    assert all(isinstance(s, ChatMessageStored) for s in stored)
    links = [s.link for s in stored]  # type: ignore[attr-defined]
    cids = [s.cid for s in stored]  # type: ignore[attr-defined]
    assert links == [None, cids[0], cids[1]]


async def test_the_prepare_step_puts_every_block_the_handlers_need(storage_db: Database) -> None:
    blocks = CountingBlocks()
    storage = ChatStorage(blocks, storage_db)
    await storage.prepare([sent(0), sent(1), sent(2)])
    assert blocks.puts == 3
    out = await store_batch(storage, storage_db, [sent(0), sent(1), sent(2)])
    assert blocks.puts == 6  # prepared again inside store_batch, and not once more by handlers
    assert [unwrap(e).cid in blocks.blocks for e in out] == [True, True, True]  # type: ignore[attr-defined]
