"""Pure: the feed and socket shapes the SDK reads, built from chat rows and chat events."""

from __future__ import annotations

from typing import Any

from pushnode_shared.protocol.chat import chat_id
from pushnode_shared.protocol.events import ChatMessageStored, ChatRequestAnswered


def peer_of(conversation: str, me: str) -> str:
    """The other DID of a 1:1 conversation."""
    a, _, b = conversation.partition("+")
    return b if a == me else a


def intent_of(thread: dict[str, Any]) -> str:
    """The DIDs that want the chat: the requester, and the receiver once it accepted."""
    if thread["status"] == "approved":
        return f"{thread['intent_sent_by']}+{thread['intent_to']}"
    return str(thread["intent_sent_by"])


def feed_public(
    thread: dict[str, Any], me: str, peer: dict[str, Any] | None, latest: dict[str, Any] | None
) -> dict[str, Any]:
    """IFeeds item of /chats, /requests and /chat/{recipient}: the peer plus the newest message."""
    peer_did = peer_of(thread["conversation"], me)
    profile = (peer or {}).get("profile") or {}
    return {
        "chatId": chat_id(thread["conversation"]),
        "did": peer_did,
        "wallets": peer_did,
        "publicKey": (peer or {}).get("public_key", ""),
        "profilePicture": profile.get("picture"),
        "about": profile.get("desc"),
        "name": profile.get("name"),
        "threadhash": thread["thread_hash"],
        "intent": intent_of(thread),
        "intentSentBy": thread["intent_sent_by"],
        "intentTimestamp": thread["intent_timestamp"],
        "combinedDID": thread["conversation"],
        "groupInformation": None,
        "msg": latest or {},
    }


def chat_info(
    conversation: str, me: str, thread: dict[str, Any] | None, encrypted: bool
) -> dict[str, Any]:
    """GET /v1/chat/{recipient}/address/{account} for a 1:1 chat (the SDK's ChatInfoResponse).

    `list` says where the chat sits for `me`: CHATS (approved, or a request `me` sent),
    REQUESTS (a request waiting for `me`), UNINITIALIZED (none yet, or rejected)."""
    if thread is None or thread["status"] == "rejected":
        where = "UNINITIALIZED"
    elif thread["status"] == "pending" and thread["intent_to"] == me:
        where = "REQUESTS"
    else:
        where = "CHATS"
    a, _, b = conversation.partition("+")
    return {
        "meta": {
            "group": False,
            "encrypted": encrypted,
            "visibility": True,
            "groupInfo": {"public": False},
        },
        "list": where,
        "participants": [a, b],
        "chatId": chat_id(conversation),
        "recipient": peer_of(conversation, me),
    }


def message_event(message: dict[str, Any], conversation: str, intent: bool) -> dict[str, Any]:
    """CHATS socket payload for a stored message (a request's first message is 'Request')."""
    return {
        **message,
        "chatId": chat_id(conversation),
        "messageCategory": "Request" if intent else "Chat",
        "messageOrigin": "other",
        "isGroup": False,
    }


def answer_event(
    category: str, requester: str, answerer: str, conversation: str, timestamp: int
) -> dict[str, Any]:
    """CHATS socket payload for 'Approve' / 'Reject': from the answerer to the requester."""
    return {
        "messageCategory": category,
        "messageOrigin": "other",
        "chatId": chat_id(conversation),
        "fromCAIP10": answerer,
        "toCAIP10": requester,
        "fromDID": answerer,
        "toDID": requester,
        "timestamp": timestamp,
        "isGroup": False,
    }


def stored_body(stored: ChatMessageStored) -> dict[str, Any]:
    """The message as the chat API and sockets show it: as sent, plus its CID."""
    return {**stored.message, "cid": stored.cid}


def chat_socket_event(
    event: ChatMessageStored | ChatRequestAnswered,
) -> tuple[tuple[str, str], dict[str, Any]]:
    """Pure: the two DIDs whose chat sockets hear of it, and the CHATS event they get."""
    dids = (event.from_did, event.to_did)
    if isinstance(event, ChatMessageStored):
        return dids, message_event(stored_body(event), event.conversation, event.intent)
    at = int(event.answered_at.timestamp() * 1000)
    category = "Approve" if event.status == "approved" else "Reject"
    return dids, answer_event(category, *dids, event.conversation, at)
