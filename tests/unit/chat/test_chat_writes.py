"""The chat projection writes a batch in a few statements, with the log's order of effects."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from pushnode_gateway.chat.adapters import chat_db, chat_writes
from pushnode_gateway.chat.adapters.chat_writes import MessageStoredOp, StatusSetOp
from pushnode_shared.infra.db import Database

ALICE = "eip155:0x00000000000000000000000000000000000000a1"
BOB = "eip155:0x00000000000000000000000000000000000000b0"
THREAD = f"{ALICE}+{BOB}"


def message(n: int, *, intent: bool = False) -> MessageStoredOp:
    return MessageStoredOp(
        cid=f"bafy{n}",
        message_id=f"m{n}",
        conversation=THREAD,
        link=None if n == 1 else f"bafy{n - 1}",
        body={"messageContent": f"hello {n}", "timestamp": 1000 + n},
        intent=intent,
        from_did=ALICE,
        to_did=BOB,
        intent_at="2026-12-05T00:00:00+00:00",
    )


async def write(db: Database, ops: list[chat_writes.Op]) -> None:
    async with db.transaction() as session:
        await chat_writes.write(session, ops)


async def alice_sent(db: Database) -> Any:
    async with db.engine.connect() as conn:
        users = chat_db.users
        return await conn.scalar(sa.select(users.c.msg_sent).where(users.c.did == ALICE))


async def add_alice(db: Database) -> None:
    async with db.transaction() as session:
        await chat_db.put_user(
            session,
            {
                "did": ALICE,
                "caip10": ALICE,
                "public_key": "",
                "encrypted_private_key": "",
                "verification_proof": "",
                "origin": None,
                "profile": "{}",
                "msg_sent": 0,
            },
        )


async def test_a_request_its_acceptance_and_a_reply_in_one_batch_end_approved_at_the_reply(
    gateway_db: Database,
) -> None:
    await add_alice(gateway_db)
    await write(gateway_db, [message(1, intent=True), StatusSetOp(THREAD, "approved"), message(2)])
    async with gateway_db.engine.connect() as conn:
        thread = await chat_db.thread(conn, THREAD)
    assert thread is not None
    assert (thread["status"], thread["thread_hash"], thread["last_timestamp"]) == (
        "approved",
        "bafy2",
        1002,
    )
    assert await alice_sent(gateway_db) == 2


async def test_a_message_seen_twice_in_a_batch_or_replayed_later_counts_once(
    gateway_db: Database,
) -> None:
    await add_alice(gateway_db)
    await write(gateway_db, [message(1, intent=True), message(1, intent=True)])
    await write(gateway_db, [message(1, intent=True)])
    async with gateway_db.engine.connect() as conn:
        stored = await conn.scalar(sa.select(sa.func.count()).select_from(chat_db.messages))
    assert stored == 1
    assert await alice_sent(gateway_db) == 1


async def test_a_rejected_conversation_requested_again_is_pending_again(
    gateway_db: Database,
) -> None:
    await add_alice(gateway_db)
    await write(gateway_db, [message(1, intent=True), StatusSetOp(THREAD, "rejected")])
    await write(gateway_db, [message(2, intent=True)])
    async with gateway_db.engine.connect() as conn:
        thread = await chat_db.thread(conn, THREAD)
    assert thread is not None
    assert (thread["status"], thread["thread_hash"]) == ("pending", "bafy2")
