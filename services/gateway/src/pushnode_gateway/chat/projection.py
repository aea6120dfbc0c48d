"""gateway-chat: `chats` (ChatMessageStored, ChatRequestAccepted/Rejected) folded into
conversations and messages, written in log order once per batch; produces nothing. A chat
write waiting on its own projection (settling.py) is woken after commit. CHATS socket pushes
come from the live feed (sockets/live.py)."""

from __future__ import annotations

from functools import partial

from pushnode_gateway.chat.adapters import chat_writes
from pushnode_gateway.chat.formatting import stored_body
from pushnode_gateway.settling import Waiters
from pushnode_shared.infra.consumer import Handler, HandlerContext
from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.protocol.events import (
    ChatMessageStored,
    ChatRequestAccepted,
    ChatRequestRejected,
    payload_of,
)


async def on_chat_message_stored(
    ctx: HandlerContext, envelope: Envelope, waiters: Waiters | None = None
) -> None:
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
    _wake(ctx, waiters, f"message:{stored.message_id}", f"thread:{stored.conversation}")


async def on_chat_request_accepted(
    ctx: HandlerContext, envelope: Envelope, waiters: Waiters | None = None
) -> None:
    accepted = payload_of(envelope, ChatRequestAccepted)
    _writes(ctx).append(chat_writes.StatusSetOp(accepted.conversation, "approved"))
    _wake(ctx, waiters, f"thread:{accepted.conversation}")


async def on_chat_request_rejected(
    ctx: HandlerContext, envelope: Envelope, waiters: Waiters | None = None
) -> None:
    rejected = payload_of(envelope, ChatRequestRejected)
    _writes(ctx).append(chat_writes.StatusSetOp(rejected.conversation, "rejected"))
    _wake(ctx, waiters, f"thread:{rejected.conversation}")


def handlers(waiters: Waiters | None) -> dict[str, Handler]:
    """Event type -> handler, waking `waiters` after commit (bootstrap passes the app's).

    ChatMessageSent is storage's input, not projected here."""
    return {
        "ChatMessageStored": partial(on_chat_message_stored, waiters=waiters),
        "ChatRequestAccepted": partial(on_chat_request_accepted, waiters=waiters),
        "ChatRequestRejected": partial(on_chat_request_rejected, waiters=waiters),
    }


HANDLERS: dict[str, Handler] = handlers(None)


def _writes(ctx: HandlerContext) -> list[chat_writes.Op]:
    """The batch's chat operations, written in log order when the batch's handlers are done."""
    return ctx.buffer("chat", partial(chat_writes.write, ctx.session))


def _wake(ctx: HandlerContext, waiters: Waiters | None, *keys: str) -> None:
    if waiters is not None:
        for key in keys:
            ctx.later(partial(waiters.wake, key))
