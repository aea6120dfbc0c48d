"""The gateway's chat read models: users (PGP profiles), conversations and stored messages."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

metadata = sa.MetaData()
users = sa.Table(
    "gateway_chat_users",
    metadata,
    sa.Column("did", sa.String(100), primary_key=True),
    sa.Column("caip10", sa.String(100), nullable=False),
    sa.Column("public_key", sa.Text, nullable=False),
    sa.Column("encrypted_private_key", sa.Text, nullable=False),
    sa.Column("verification_proof", sa.Text, nullable=False),
    sa.Column("origin", sa.Text, nullable=True),
    sa.Column("profile", sa.Text, nullable=False),
    sa.Column("msg_sent", sa.Integer, nullable=False),
)
# One row per 1:1 conversation; status is pending, approved or rejected.
threads = sa.Table(
    "gateway_chat_threads",
    metadata,
    sa.Column("conversation", sa.String(210), primary_key=True),
    sa.Column("intent_sent_by", sa.String(100), nullable=False),
    sa.Column("intent_to", sa.String(100), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("intent_timestamp", sa.String(40), nullable=False),
    sa.Column("thread_hash", sa.String(100), nullable=True),
    sa.Column("last_timestamp", sa.BigInteger, nullable=False),
)
messages = sa.Table(
    "gateway_chat_messages",
    metadata,
    sa.Column("cid", sa.String(100), primary_key=True),
    sa.Column("message_id", sa.String(64), nullable=False, unique=True),
    sa.Column("conversation", sa.String(210), nullable=False),
    sa.Column("link", sa.String(100), nullable=True),
    sa.Column("body", sa.Text, nullable=False),
)
# The validator's decisions by input envelope id: refusals (ChatInputRefused, with the reason)
# and accepted answers (ChatRequestAnswered, reason ""); a write route waits for its input's.
decisions = sa.Table(
    "gateway_chat_decisions",
    metadata,
    sa.Column("input_id", sa.String(64), primary_key=True),
    sa.Column("conversation", sa.String(210), nullable=False),
    sa.Column("reason", sa.String(40), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
)
STATE_TABLES = [users.name, threads.name, messages.name, decisions.name]
EMPTY_PROFILE: dict[str, Any] = {
    "name": None,
    "desc": None,
    "picture": None,
    "profileVerificationProof": None,
    "blockedUsersList": [],
}


async def user(conn: AsyncConnection | AsyncSession, did: str) -> dict[str, Any] | None:
    """The user row with its profile decoded, or None."""
    row = (await conn.execute(sa.select(users).where(users.c.did == did))).first()
    if row is None:
        return None
    found = dict(row._mapping)
    found["profile"] = json.loads(found["profile"])
    return found


async def users_in(conn: AsyncConnection, dids: list[str]) -> list[dict[str, Any]]:
    """The rows of those DIDs that exist, decoded."""
    rows = await conn.execute(sa.select(users).where(users.c.did.in_(dids)))
    found = [dict(r._mapping) for r in rows]
    for row in found:
        row["profile"] = json.loads(row["profile"])
    return found


async def put_user(session: AsyncSession, values: dict[str, Any]) -> None:
    """Create or replace a user's keys; the profile and counters of an existing row stay."""
    existing = await user(session, values["did"])
    if existing is None:
        row = {"profile": json.dumps(EMPTY_PROFILE), "msg_sent": 0, **values}
        await session.execute(sa.insert(users).values(**row))
    else:
        await session.execute(sa.update(users).where(users.c.did == values["did"]).values(**values))


async def update_profile(session: AsyncSession, did: str, profile: dict[str, Any]) -> None:
    """Replace the profile JSON of an existing user."""
    await session.execute(
        sa.update(users).where(users.c.did == did).values(profile=json.dumps(profile))
    )


async def thread(conn: AsyncConnection | AsyncSession, conversation: str) -> dict[str, Any] | None:
    """The conversation row, or None."""
    row = (
        await conn.execute(sa.select(threads).where(threads.c.conversation == conversation))
    ).first()
    return None if row is None else dict(row._mapping)


async def open_request(
    session: AsyncSession, conversation: str, sender: str, receiver: str, at: str, ts: int
) -> None:
    """A request opens (or re-opens after a rejection) a pending conversation."""
    existing = await thread(session, conversation)
    values = {
        "intent_sent_by": sender,
        "intent_to": receiver,
        "status": "pending",
        "intent_timestamp": at,
        "last_timestamp": ts,
    }
    if existing is None:
        await session.execute(sa.insert(threads).values(conversation=conversation, **values))
    elif existing["status"] == "rejected":
        await session.execute(
            sa.update(threads).where(threads.c.conversation == conversation).values(**values)
        )


async def set_status(session: AsyncSession, conversation: str, status: str) -> None:
    """Approve or reject a pending conversation."""
    await session.execute(
        sa.update(threads).where(threads.c.conversation == conversation).values(status=status)
    )


async def threads_of(
    conn: AsyncConnection, did: str, requests: bool, page: int, limit: int
) -> list[dict[str, Any]]:
    """Requests waiting for `did`, or the chats `did` takes part in; newest first."""
    pattern_a, pattern_b = f"{did}+%", f"%+{did}"
    mine = threads.c.conversation.like(pattern_a) | threads.c.conversation.like(pattern_b)
    if requests:
        where = (threads.c.intent_to == did) & (threads.c.status == "pending")
    else:
        approved = threads.c.status == "approved"
        sent = (threads.c.status == "pending") & (threads.c.intent_sent_by == did)
        where = mine & (approved | sent)
    rows = await conn.execute(
        sa.select(threads)
        .where(where)
        .order_by(threads.c.last_timestamp.desc(), threads.c.conversation)
        .limit(limit)
        .offset((page - 1) * limit)
    )
    return [dict(r._mapping) for r in rows]


async def conversations_of(conn: AsyncConnection, did: str) -> list[str]:
    """Every conversation `did` takes part in (to find one by its chat id)."""
    mine = threads.c.conversation.like(f"{did}+%") | threads.c.conversation.like(f"%+{did}")
    rows = await conn.execute(sa.select(threads.c.conversation).where(mine))
    return [str(r[0]) for r in rows]


async def message(conn: AsyncConnection, cid: str) -> dict[str, Any] | None:
    """A stored message body by CID, or None."""
    row = (await conn.execute(sa.select(messages.c.body).where(messages.c.cid == cid))).first()
    return None if row is None else dict(json.loads(row[0]))


async def message_by_id(conn: AsyncConnection, message_id: str) -> dict[str, Any] | None:
    """A stored message body by the id the gateway gave it, or None (not stored yet)."""
    query = sa.select(messages.c.body).where(messages.c.message_id == message_id)
    row = (await conn.execute(query)).first()
    return None if row is None else dict(json.loads(row[0]))


async def decision(conn: AsyncConnection, input_id: str) -> dict[str, Any] | None:
    """The validator's decision on this input (reason: "" when accepted; detail), or None."""
    query = sa.select(decisions.c.reason, decisions.c.detail).where(
        decisions.c.input_id == input_id
    )
    row = (await conn.execute(query)).first()
    return None if row is None else dict(row._mapping)
