"""Consumer `validator-chat`: judges chat inputs on `chats` and records the decisions there.

Consumes ChatMessageSent (requests and messages), ChatRequestAccepted and ChatRequestRejected
(what the gateway admitted); produces ChatMessageAccepted (storage stores it),
ChatRequestAnswered (the conversation's new status) or ChatInputRefused (reason code). Keys
and block lists are those in force when the input was sent (the `users` fold, waited for
before each batch like pgpv4 notifications), so a rebuild reaches the same decisions.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from pushnode_shared.infra.consumer import Handler, HandlerContext
from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.protocol.events import (
    ChatInputRefused,
    ChatMessageAccepted,
    ChatMessageSent,
    ChatRequestAccepted,
    ChatRequestAnswered,
    ChatRequestRejected,
    Event,
    payload_of,
)
from pushnode_shared.protocol.topics import CHATS
from pushnode_validator.adapters import chat_state
from pushnode_validator.domain import chat
from pushnode_validator.handlers.emit import decided

INPUTS = ("ChatMessageSent", "ChatRequestAccepted", "ChatRequestRejected")


class ChatHandlers:
    """The chat judge with its signature check and the users watermark injected."""

    def __init__(
        self,
        verify: chat.SignatureCheck,
        keys_ready: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.verify = verify
        self.keys_ready = keys_ready

    def mapping(self) -> dict[str, Handler]:
        """Event type -> handler (decisions and stored messages on `chats` are not inputs)."""
        return {
            "ChatMessageSent": self.on_chat_message_sent,
            "ChatRequestAccepted": self.on_chat_request_accepted,
            "ChatRequestRejected": self.on_chat_request_rejected,
        }

    async def prepare(self, envelopes: list[Envelope]) -> None:
        """Before judging, the key history holds every key already on the log."""
        if self.keys_ready is not None and any(e.type in INPUTS for e in envelopes):
            await self.keys_ready()

    async def on_chat_message_sent(self, ctx: HandlerContext, envelope: Envelope) -> None:
        sent = payload_of(envelope, ChatMessageSent)
        if await chat_state.was_accepted(ctx.session, sent.message_id):
            return  # the same signed message again: stored once, judged once
        view = await chat_state.view(
            ctx.session, sent.conversation, sent.from_did, sent.to_did, sent.sent_at
        )
        verdict = chat.judge_message(sent.message, sent.from_did, sent.intent, view, self.verify)
        if isinstance(verdict, chat.Refusal):
            kind = "request" if sent.intent else "message"
            parties = (sent.conversation, sent.from_did, sent.to_did)
            _refuse(ctx, envelope, kind, parties, verdict, sent.message_id)
            return
        await chat_state.mark_accepted(ctx.session, sent.message_id, sent.conversation)
        after = chat.after_message(view.thread, sent.from_did, sent.to_did, sent.intent)
        if after is not None and after != view.thread:
            await chat_state.put_thread(ctx.session, sent.conversation, after)
        decision = ChatMessageAccepted(
            message_id=sent.message_id,
            conversation=sent.conversation,
            from_did=sent.from_did,
            to_did=sent.to_did,
            intent=sent.intent,
            message=sent.message,
            sent_at=sent.sent_at,
            accepted=verdict.approved,
            signing_key=verdict.signing_key,
        )
        _emit(ctx, envelope, decision, "accepted")

    async def on_chat_request_accepted(self, ctx: HandlerContext, envelope: Envelope) -> None:
        answer = payload_of(envelope, ChatRequestAccepted)
        signed = answer.signed or {
            "fromDID": answer.from_did,
            "toDID": answer.to_did,
            "status": "Approved",
        }
        await self._answer(ctx, envelope, answer, signed, "approved", answer.accepted_at)

    async def on_chat_request_rejected(self, ctx: HandlerContext, envelope: Envelope) -> None:
        answer = payload_of(envelope, ChatRequestRejected)
        signed = answer.signed or {"fromDID": answer.from_did, "toDID": answer.to_did}
        await self._answer(ctx, envelope, answer, signed, "rejected", answer.rejected_at)

    async def _answer(
        self,
        ctx: HandlerContext,
        envelope: Envelope,
        answer: ChatRequestAccepted | ChatRequestRejected,
        signed: dict[str, object],
        status: str,
        at: datetime,
    ) -> None:
        requester, answerer = answer.from_did, answer.to_did
        view = await chat_state.view(ctx.session, answer.conversation, answerer, requester, at)
        verdict = chat.judge_answer(
            signed, answer.verification_proof, requester, answerer, view, self.verify
        )
        kind = "accept" if status == "approved" else "reject"
        if isinstance(verdict, chat.Refusal):
            _refuse(ctx, envelope, kind, (answer.conversation, requester, answerer), verdict)
            return
        assert view.thread is not None
        await chat_state.put_thread(
            ctx.session,
            answer.conversation,
            chat.Thread(status, view.thread.intent_sent_by, view.thread.intent_to),
        )
        decision = ChatRequestAnswered(
            input_id=envelope.event_id,
            conversation=answer.conversation,
            from_did=requester,
            to_did=answerer,
            status="approved" if status == "approved" else "rejected",
            answered_at=at,
        )
        _emit(ctx, envelope, decision, "answered")


def _refuse(
    ctx: HandlerContext,
    envelope: Envelope,
    kind: str,
    parties: tuple[str, str, str],
    refusal: chat.Refusal,
    message_id: str | None = None,
) -> None:
    """`parties`: the conversation, the input's signer and the other party."""
    conversation, from_did, to_did = parties
    event = ChatInputRefused.model_validate(
        {
            "input_id": envelope.event_id,
            "kind": kind,
            "conversation": conversation,
            "from_did": from_did,
            "to_did": to_did,
            "reason": refusal.reason,
            "detail": refusal.detail,
            "message_id": message_id,
        }
    )
    _emit(ctx, envelope, event, "refused")


def _emit(ctx: HandlerContext, cause: Envelope, event: Event, role: str) -> None:
    """On `chats`, its id derived from the input's: a replay re-publishes the same event."""
    ctx.publish(CHATS, decided(cause, event, "chat", role))
