"""The gateway-chat projection's writes for a whole batch, in a few statements.

Per message the projection used to run four statements one after another (insert the
message, open a request, advance the conversation, count the sender's message); the chat
bench found the consumer busy for almost all of a run while the process was mostly idle,
waiting on those round trips. Handlers now queue operations in log order and this module
writes them: each run of consecutive messages as one INSERT, then one UPDATE per touched
conversation and sender; an accept or reject (and the validator's decision rows) is written
in its place between runs, so the order of effects on a conversation is the log's.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from pushnode_gateway.chat.adapters import chat_db


@dataclass(frozen=True)
class MessageStoredOp:
    """A stored message to project (a replayed one, already there, changes nothing)."""

    cid: str
    message_id: str
    conversation: str
    link: str | None
    body: dict[str, Any]
    intent: bool
    from_did: str
    to_did: str
    intent_at: str


@dataclass(frozen=True)
class StatusSetOp:
    """A conversation approved or rejected by its receiver."""

    conversation: str
    status: str


@dataclass(frozen=True)
class DecisionOp:
    """The validator's decision on an input a write route may wait for (reason "": accepted)."""

    input_id: str
    conversation: str
    reason: str
    detail: str


Op = MessageStoredOp | StatusSetOp | DecisionOp


async def write(session: AsyncSession, ops: list[Op]) -> None:
    """Apply the queued operations in order, batching runs of messages."""
    run: list[MessageStoredOp] = []
    for op in ops:
        if isinstance(op, MessageStoredOp):
            run.append(op)
            continue
        await _write_messages(session, run)
        run = []
        if isinstance(op, StatusSetOp):
            await chat_db.set_status(session, op.conversation, op.status)
        else:
            await _write_decision(session, op)
    await _write_messages(session, run)


async def _write_decision(session: AsyncSession, op: DecisionOp) -> None:
    table = chat_db.decisions
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    values = {
        "input_id": op.input_id,
        "conversation": op.conversation,
        "reason": op.reason,
        "detail": op.detail[:2000],
    }
    await session.execute(insert(table).values(**values).on_conflict_do_nothing())


async def _write_messages(session: AsyncSession, run: list[MessageStoredOp]) -> None:
    if not run:
        return
    added = await _insert_new(session, run)
    fresh = []
    for op in run:  # each newly inserted message once, where it first came
        if op.cid in added:
            added.discard(op.cid)
            fresh.append(op)
    for op in fresh:  # a request (re)opens its conversation before it advances
        if op.intent:
            await chat_db.open_request(
                session, op.conversation, op.from_did, op.to_did, op.intent_at, _ts(op)
            )
    newest = {op.conversation: op for op in fresh}  # the last one of each conversation wins
    if newest:
        await session.execute(
            sa.update(chat_db.threads)
            .where(chat_db.threads.c.conversation == sa.bindparam("b_conversation"))
            .values(thread_hash=sa.bindparam("b_cid"), last_timestamp=sa.bindparam("b_ts")),
            [{"b_conversation": c, "b_cid": op.cid, "b_ts": _ts(op)} for c, op in newest.items()],
        )
    sent = Counter(op.from_did for op in fresh)
    if sent:
        users = chat_db.users
        await session.execute(
            sa.update(users)
            .where(users.c.did == sa.bindparam("b_did"))
            .values(msg_sent=users.c.msg_sent + sa.bindparam("b_count")),
            [{"b_did": did, "b_count": count} for did, count in sent.items()],
        )


async def _insert_new(session: AsyncSession, run: list[MessageStoredOp]) -> set[str]:
    """Insert the run's messages; the CIDs that were not there before."""
    rows: dict[str, dict[str, Any]] = {}
    for op in run:  # the same message twice in a batch (a re-published record): once
        rows.setdefault(
            op.cid,
            {
                "cid": op.cid,
                "message_id": op.message_id,
                "conversation": op.conversation,
                "link": op.link,
                "body": json.dumps(op.body, sort_keys=True),
            },
        )
    table = chat_db.messages
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    result = await session.execute(
        insert(table).values(list(rows.values())).on_conflict_do_nothing().returning(table.c.cid)
    )
    return set(result.scalars())


def _ts(op: MessageStoredOp) -> int:
    return int(op.body.get("timestamp") or 0)
