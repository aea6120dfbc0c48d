"""Gateway chat handlers, one class per consumer.

`UserHandlers` (gateway-users) consumes `users` (UserRegistered, UserKeysRotated,
UserProfileUpdated) into the user table. `ChatHandlers` (gateway-chat) consumes `chats`
(ChatMessageStored, ChatRequestAccepted/Rejected) into conversations and messages, then
pushes CHATS socket events after commit. Neither produces events.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from pushnode_gateway.chat.adapters import chat_db, chat_writes
from pushnode_gateway.chat.formatting import answer_event, message_event
from pushnode_gateway.settling import Waiters
from pushnode_shared.consumer import Handler, HandlerContext
from pushnode_shared.envelope import Envelope
from pushnode_shared.events import (
    ChatMessageStored,
    ChatRequestAccepted,
    ChatRequestRejected,
    UserKeysRotated,
    UserProfileUpdated,
    UserRegistered,
    payload_of,
)


class UserHandlers:
    """Profiles as the wallets signed them; every write is replay-safe (last write wins)."""

    def __init__(self, waiters: Waiters | None = None) -> None:
        self.waiters = waiters

    def _woken(self, ctx: HandlerContext, did: str) -> None:
        if self.waiters is not None:
            ctx.later(partial(self.waiters.wake, f"user:{did}"))

    def mapping(self) -> dict[str, Handler]:
        """Event type -> handler."""
        return {
            "UserRegistered": self.on_user_registered,
            "UserKeysRotated": self.on_user_keys_rotated,
            "UserProfileUpdated": self.on_user_profile_updated,
        }

    async def on_user_registered(self, ctx: HandlerContext, envelope: Envelope) -> None:
        registered = payload_of(envelope, UserRegistered)
        await chat_db.put_user(
            ctx.session,
            {
                "did": registered.did,
                "caip10": registered.caip10,
                "public_key": registered.public_key,
                "encrypted_private_key": registered.encrypted_private_key,
                "verification_proof": registered.verification_proof,
                "origin": registered.origin,
            },
        )
        self._woken(ctx, registered.did)

    async def on_user_keys_rotated(self, ctx: HandlerContext, envelope: Envelope) -> None:
        rotated = payload_of(envelope, UserKeysRotated)
        await chat_db.put_user(
            ctx.session,
            {
                "did": rotated.did,
                "caip10": rotated.did,
                "public_key": rotated.public_key,
                "encrypted_private_key": rotated.encrypted_private_key,
                "verification_proof": rotated.verification_proof,
            },
        )
        self._woken(ctx, rotated.did)

    async def on_user_profile_updated(self, ctx: HandlerContext, envelope: Envelope) -> None:
        updated = payload_of(envelope, UserProfileUpdated)
        await chat_db.update_profile(ctx.session, updated.did, updated.profile)
        self._woken(ctx, updated.did)


class ChatHandlers:
    """Conversations and stored messages; socket pushes only for rows this run added."""

    def __init__(self, waiters: Waiters | None = None) -> None:
        self.waiters = waiters

    def mapping(self) -> dict[str, Handler]:
        """Event type -> handler (ChatMessageSent is storage's input, not projected here)."""
        return {
            "ChatMessageStored": self.on_chat_message_stored,
            "ChatRequestAccepted": self.on_chat_request_accepted,
            "ChatRequestRejected": self.on_chat_request_rejected,
        }

    async def on_chat_message_stored(self, ctx: HandlerContext, envelope: Envelope) -> None:
        stored = payload_of(envelope, ChatMessageStored)
        _writes(ctx).append(
            chat_writes.MessageStoredOp(
                cid=stored.cid,
                message_id=stored.message_id,
                conversation=stored.conversation,
                link=stored.link,
                body=stored_body(stored),
                intent=stored.intent,
                from_did=stored.from_did,
                to_did=stored.to_did,
                intent_at=envelope.occurred_at.isoformat(),
            )
        )
        self._wake(ctx, f"message:{stored.message_id}", f"thread:{stored.conversation}")

    async def on_chat_request_accepted(self, ctx: HandlerContext, envelope: Envelope) -> None:
        accepted = payload_of(envelope, ChatRequestAccepted)
        _writes(ctx).append(chat_writes.StatusSetOp(accepted.conversation, "approved"))
        self._wake(ctx, f"thread:{accepted.conversation}")

    async def on_chat_request_rejected(self, ctx: HandlerContext, envelope: Envelope) -> None:
        rejected = payload_of(envelope, ChatRequestRejected)
        _writes(ctx).append(chat_writes.StatusSetOp(rejected.conversation, "rejected"))
        self._wake(ctx, f"thread:{rejected.conversation}")

    def _wake(self, ctx: HandlerContext, *keys: str) -> None:
        if self.waiters is not None:
            for key in keys:
                ctx.later(partial(self.waiters.wake, key))


def _writes(ctx: HandlerContext) -> list[chat_writes.Op]:
    """The batch's chat operations, written in log order when the batch's handlers are done."""
    return ctx.buffer("chat", partial(chat_writes.write, ctx.session))


def stored_body(stored: ChatMessageStored) -> dict[str, Any]:
    """The message as the chat API and sockets show it: as sent, plus its CID."""
    return {**stored.message, "cid": stored.cid}


def chat_socket_event(
    event: ChatMessageStored | ChatRequestAccepted | ChatRequestRejected,
) -> tuple[tuple[str, str], dict[str, Any]]:
    """Pure: the two DIDs whose chat sockets hear of it, and the CHATS event they get."""
    dids = (event.from_did, event.to_did)
    if isinstance(event, ChatMessageStored):
        return dids, message_event(stored_body(event), event.conversation, event.intent)
    if isinstance(event, ChatRequestAccepted):
        at = int(event.accepted_at.timestamp() * 1000)
        return dids, answer_event("Approve", *dids, event.conversation, at)
    at = int(event.rejected_at.timestamp() * 1000)
    return dids, answer_event("Reject", *dids, event.conversation, at)
