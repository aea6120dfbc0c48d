"""gateway-chat: `chats` decisions (ChatMessageStored, and the validator's ChatRequestAnswered
and ChatInputRefused) folded into conversations, messages and decisions, written in log order
once per batch; produces nothing. A chat write waiting on its own input's decision
(settling.py) is woken after commit. CHATS socket pushes come from the live feed
(sockets/live.py)."""

from __future__ import annotations

from functools import partial

from pushnode_gateway.chat.adapters import chat_writes
from pushnode_gateway.chat.formatting import stored_body
from pushnode_gateway.settling import Waiters
from pushnode_shared.infra.consumer import Handler, HandlerContext
from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.protocol.events import (
    ChatInputRefused,
    ChatMessageStored,
    ChatRequestAnswered,
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


async def on_chat_request_answered(
    ctx: HandlerContext, envelope: Envelope, waiters: Waiters | None = None
) -> None:
    answered = payload_of(envelope, ChatRequestAnswered)
    writes = _writes(ctx)
    writes.append(chat_writes.StatusSetOp(answered.conversation, answered.status))
    writes.append(chat_writes.DecisionOp(answered.input_id, answered.conversation, "", ""))
    _wake(ctx, waiters, f"thread:{answered.conversation}")


async def on_chat_input_refused(
    ctx: HandlerContext, envelope: Envelope, waiters: Waiters | None = None
) -> None:
    refused = payload_of(envelope, ChatInputRefused)
    _writes(ctx).append(
        chat_writes.DecisionOp(
            refused.input_id, refused.conversation, refused.reason, refused.detail
        )
    )
    key = (
        f"message:{refused.message_id}" if refused.message_id else f"thread:{refused.conversation}"
    )
    _wake(ctx, waiters, key)


def handlers(waiters: Waiters | None) -> dict[str, Handler]:
    """Event type -> handler, waking `waiters` after commit (bootstrap passes the app's).

    The inputs (ChatMessageSent, ChatRequestAccepted/Rejected) are the validator's to judge,
    and ChatMessageAccepted storage's to store: none is projected here."""
    return {
        "ChatMessageStored": partial(on_chat_message_stored, waiters=waiters),
        "ChatRequestAnswered": partial(on_chat_request_answered, waiters=waiters),
        "ChatInputRefused": partial(on_chat_input_refused, waiters=waiters),
    }


HANDLERS: dict[str, Handler] = handlers(None)


def _writes(ctx: HandlerContext) -> list[chat_writes.Op]:
    """The batch's chat operations, written in log order when the batch's handlers are done."""
    return ctx.buffer("chat", partial(chat_writes.write, ctx.session))


def _wake(ctx: HandlerContext, waiters: Waiters | None, *keys: str) -> None:
    if waiters is not None:
        for key in keys:
            ctx.later(partial(waiters.wake, key))
