"""The validator's chat state: 1:1 conversations, accepted messages, block lists in force.

A fold of `chats` (the conversations, by the validator's own judgement of each input in log
order) and of `users` (every profile update's block list, stamped like the key history in
userkeys.py, so an input is judged with the block list in force when it was sent).
"""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from pushnode_validator.adapters import db, userkeys
from pushnode_validator.domain.chat import ChatView, Thread
from pushnode_validator.domain.keys import RegisteredKey, wallet_of
from pushnode_validator.domain.ratelimit import micros

threads = sa.Table(
    "validator_chat_threads",
    db.metadata,
    sa.Column("conversation", sa.String(210), primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("intent_sent_by", sa.String(100), nullable=False),
    sa.Column("intent_to", sa.String(100), nullable=False),
)
# Messages accepted once: the same signed message sent again is not judged again.
accepted = sa.Table(
    "validator_chat_accepted",
    db.metadata,
    sa.Column("message_id", sa.String(64), primary_key=True),
    sa.Column("conversation", sa.String(210), nullable=False),
)
blocks = userkeys.stamped_table(
    "validator_chat_blocks",
    sa.Column("did", sa.String(100), nullable=False, index=True),
    sa.Column("blocked", sa.Text, nullable=False),
)
STATE_TABLES = [threads.name, accepted.name, blocks.name]


async def thread(session: AsyncSession, conversation: str) -> Thread | None:
    """The conversation as folded so far, or None."""
    query = sa.select(threads).where(threads.c.conversation == conversation)
    row = (await session.execute(query)).first()
    return None if row is None else Thread(row.status, row.intent_sent_by, row.intent_to)


async def put_thread(session: AsyncSession, conversation: str, value: Thread) -> None:
    """Create or replace the conversation's row."""
    values = {
        "status": value.status,
        "intent_sent_by": value.intent_sent_by,
        "intent_to": value.intent_to,
    }
    found = await session.execute(
        sa.update(threads).where(threads.c.conversation == conversation).values(**values)
    )
    if not found.rowcount:  # type: ignore[attr-defined]
        await session.execute(sa.insert(threads).values(conversation=conversation, **values))


async def was_accepted(session: AsyncSession, message_id: str) -> bool:
    """Whether this message was accepted before (a resend of the same signed message)."""
    query = sa.select(accepted.c.message_id).where(accepted.c.message_id == message_id)
    return (await session.execute(query)).first() is not None


async def mark_accepted(session: AsyncSession, message_id: str, conversation: str) -> None:
    """Remember an accepted message."""
    await session.execute(
        sa.insert(accepted).values(message_id=message_id, conversation=conversation)
    )


async def record_blocks(
    session: AsyncSession, event_id: str, did: str, at: datetime, blocked: list[str]
) -> None:
    """Append the DID's block list as of `at` (a re-emitted event, same id, is folded once)."""
    if (
        await session.execute(sa.select(blocks.c.seq).where(blocks.c.event_id == event_id))
    ).first():
        return
    stamp = userkeys.Stamp(event_id, "did", did, at)
    await userkeys.append_stamped(session, blocks, stamp, {"blocked": json.dumps(blocked)})


async def blocked_at(session: AsyncSession, did: str, at: datetime) -> tuple[str, ...]:
    """The DID's block list in force at `at`: the latest profile update stamped <= at."""
    row = (
        await session.execute(
            sa.select(blocks.c.blocked)
            .where((blocks.c.did == did) & (blocks.c.since_us <= micros(at)))
            .order_by(blocks.c.since_us.desc(), blocks.c.seq.desc())
            .limit(1)
        )
    ).first()
    return () if row is None else tuple(str(b) for b in json.loads(row[0]))


async def _key(session: AsyncSession, did: str, at: datetime) -> RegisteredKey | None:
    wallet = wallet_of(did)
    return None if wallet is None else await userkeys.key_at(session, wallet, at)


async def view(
    session: AsyncSession, conversation: str, signer: str, other: str, at: datetime
) -> ChatView:
    """The state an input is judged on; `signer` signed it, `other` is the other party."""
    return ChatView(
        thread=await thread(session, conversation),
        sender_key=await _key(session, signer, at),
        receiver_key=await _key(session, other, at),
        blocked=await blocked_at(session, other, at),
        at_us=micros(at),
    )
