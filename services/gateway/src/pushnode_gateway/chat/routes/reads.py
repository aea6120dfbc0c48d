"""Chat reads: a user's chats and requests, one chat, chat info, a conversation's newest CID,
history."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy.ext.asyncio import AsyncConnection

from pushnode_gateway.chat.adapters import chat_db
from pushnode_gateway.chat.deps import did_or_400
from pushnode_gateway.chat.formatting import chat_info, feed_public, peer_of
from pushnode_gateway.deps import DatabaseDep
from pushnode_gateway.errors import ApiError
from pushnode_gateway.params import LimitQuery, PageQuery
from pushnode_shared.protocol.chat import BadAddress, armored_key, chat_id, conversation_of, did_of

router = APIRouter(tags=["chat"])
MAX_FETCH = 100
PGP_ARMOR = "-----BEGIN PGP PUBLIC KEY BLOCK-----"


@router.get("/v1/chat/users/{did}/chats")
async def chats(
    did: str, database: DatabaseDep, page: PageQuery = 1, limit: LimitQuery = 10
) -> dict[str, Any]:
    """Accepted conversations, and pending ones the user started; newest first."""
    return {"chats": await _feeds(database, did_or_400(did, "did"), False, page, limit)}


@router.get("/v1/chat/users/{did}/requests")
async def requests(
    did: str, database: DatabaseDep, page: PageQuery = 1, limit: LimitQuery = 10
) -> dict[str, Any]:
    """Requests waiting for this user's answer; newest first."""
    return {"requests": await _feeds(database, did_or_400(did, "did"), True, page, limit)}


@router.get("/v1/chat/users/{did}/chat/{recipient}")
async def one_chat(did: str, recipient: str, database: DatabaseDep) -> Any:
    """The conversation with `recipient` as a feed item, or null."""
    me = did_or_400(did, "did")
    async with database.engine.connect() as conn:
        thread = await chat_db.thread(conn, conversation_of(me, did_or_400(recipient, "recipient")))
        return None if thread is None else await _feed(conn, thread, me)


@router.get("/v1/chat/{recipient}/address/{account}")
async def info(recipient: str, account: str, database: DatabaseDep) -> dict[str, Any]:
    """Chat info for `account`: `recipient` is the peer's DID or the 1:1 chat's chatId."""
    me = did_or_400(account, "account")
    async with database.engine.connect() as conn:
        conversation = await _conversation(conn, recipient, me)
        if conversation is None:
            raise ApiError(404, "NOT_FOUND", f"no chat {recipient[:80]} for {me}")
        thread = await chat_db.thread(conn, conversation)
        users = await chat_db.users_in(conn, conversation.split("+"))
    keyed = [u for u in users if PGP_ARMOR in armored_key(u["public_key"])]
    return chat_info(conversation, me, thread, encrypted=len(keyed) == 2)


async def _conversation(conn: AsyncConnection, recipient: str, me: str) -> str | None:
    """The 1:1 conversation `recipient` names for `me`: by the peer's DID or by chatId."""
    try:
        peer = did_of(recipient)
    except BadAddress:
        for conversation in await chat_db.conversations_of(conn, me):
            if chat_id(conversation) == recipient.lower():
                return conversation
        return None
    return None if peer == me else conversation_of(me, peer)


@router.get("/v1/chat/users/{did}/conversations/{conversation_id}/hash")
async def conversation_hash(did: str, conversation_id: str, database: DatabaseDep) -> Any:
    """The newest CID and whether this user wants the chat (sent or accepted the request)."""
    me = did_or_400(did, "did")
    conversation = conversation_of(me, did_or_400(conversation_id, "conversationId"))
    async with database.engine.connect() as conn:
        thread = await chat_db.thread(conn, conversation)
    if thread is None or thread["status"] == "rejected":
        return {"threadHash": None, "intent": False}
    wants = thread["intent_sent_by"] == me or thread["status"] == "approved"
    return {"threadHash": thread["thread_hash"], "intent": wants}


@router.get("/v1/chat/conversationhash/{threadhash}")
async def history(
    threadhash: str,
    database: DatabaseDep,
    fetch_limit: Annotated[int, Query(alias="fetchLimit", ge=1, le=MAX_FETCH)] = 10,
) -> list[dict[str, Any]]:
    """Messages from `threadhash` back along their `link`s, newest first."""
    found: list[dict[str, Any]] = []
    cid: str | None = threadhash
    async with database.engine.connect() as conn:
        while cid is not None and len(found) < fetch_limit:
            message = await chat_db.message(conn, cid)
            if message is None:
                break
            found.append(message)
            cid = message.get("link")
    if not found:
        raise ApiError(404, "NOT_FOUND", f"no chat message {threadhash} on this node")
    return found


async def _feeds(
    database: DatabaseDep, me: str, requests: bool, page: int, limit: int
) -> list[dict[str, Any]]:
    async with database.engine.connect() as conn:
        threads = await chat_db.threads_of(conn, me, requests, page, limit)
        return [await _feed(conn, thread, me) for thread in threads]


async def _feed(conn: AsyncConnection, thread: dict[str, Any], me: str) -> dict[str, Any]:
    peer = await chat_db.user(conn, peer_of(thread["conversation"], me))
    latest = await chat_db.message(conn, thread["thread_hash"]) if thread["thread_hash"] else None
    return feed_public(thread, me, peer, latest)
