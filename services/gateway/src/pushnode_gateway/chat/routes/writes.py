"""Chat writes: POST /v1/chat/request and /message, PUT /v1/chat/request/accept and /reject.

The gateway admits each write (DIDs, body size, the proof's format), appends it to `chats` as
the user's input, and waits (bounded) for the validator's decision on it, read from its own
projection: a message comes back with the CID storage gave it, an answer once the
conversation shows it, and a refusal as a 4xx with the validator's reason code. The SDK reads
right after it writes and shows the HTTP error of a refused send, so the answer waits.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.ext.asyncio import AsyncConnection

from pushnode_gateway.chat import admission
from pushnode_gateway.chat.adapters import chat_db
from pushnode_gateway.chat.deps import did_or_400, json_object, publish_and_settle
from pushnode_gateway.deps import DatabaseDep, ProducerDep
from pushnode_gateway.errors import ApiError
from pushnode_shared.infra.envelope import derive_id, utcnow
from pushnode_shared.protocol.chat import conversation_of
from pushnode_shared.protocol.events import (
    ChatMessageSent,
    ChatRequestAccepted,
    ChatRequestRejected,
    wrap,
)
from pushnode_shared.protocol.topics import CHATS

router = APIRouter(tags=["chat"])
SETTLE_SECONDS = 10.0
# The SDK's message fields the node keeps (and stores on IPFS); anything else is dropped.
MESSAGE_FIELDS = (
    "fromCAIP10",
    "toCAIP10",
    "fromDID",
    "toDID",
    "messageType",
    "messageObj",
    "messageContent",
    "signature",
    "sigType",
    "verificationProof",
    "encType",
    "encryptedSecret",
    "sessionKey",
)


@router.post("/v1/chat/request")
async def send_request(
    request: Request, database: DatabaseDep, producer: ProducerDep
) -> dict[str, Any]:
    """A first message to a peer: opens a request the receiver accepts or rejects."""
    return await _send(request, database, producer, intent=True)


@router.post("/v1/chat/message")
async def send_message(
    request: Request, database: DatabaseDep, producer: ProducerDep
) -> dict[str, Any]:
    """A message in an existing conversation."""
    return await _send(request, database, producer, intent=False)


async def _send(
    request: Request, database: DatabaseDep, producer: ProducerDep, intent: bool
) -> dict[str, Any]:
    body = await json_object(request)
    sender, receiver = _pair(body)
    conversation = conversation_of(sender, receiver)
    signature = admission.message_signature(body)
    sent = ChatMessageSent(
        message_id=derive_id("chat", conversation, signature),
        conversation=conversation,
        from_did=sender,
        to_did=receiver,
        intent=intent,
        message={k: body[k] for k in MESSAGE_FIELDS if k in body},
        sent_at=utcnow(),
    )
    async with database.engine.connect() as conn:
        again = await chat_db.message_by_id(conn, sent.message_id)
    if again is not None:
        return again  # the same signed message sent twice is stored once
    envelope = wrap(sent, producer="gateway")

    async def decided(conn: AsyncConnection) -> dict[str, Any] | None:
        stored = await chat_db.message_by_id(conn, sent.message_id)
        return stored or await chat_db.decision(conn, envelope.event_id)

    found = await publish_and_settle(
        request.app.state.waiters,
        database,
        lambda: producer.publish(CHATS, envelope),
        f"message:{sent.message_id}",
        decided,
        SETTLE_SECONDS,
    )
    if found is None:
        raise ApiError(503, "NOT_YET_STORED", "sent, but not judged and stored yet: read later")
    if "reason" in found and "cid" not in found:
        raise admission.refusal_error(found["reason"], found["detail"])
    return found


def _pair(body: dict[str, Any]) -> tuple[str, str]:
    sender = did_or_400(body.get("fromDID"), "fromDID")
    receiver = did_or_400(body.get("toDID"), "toDID")
    if did_or_400(body.get("fromCAIP10"), "fromCAIP10") != sender:
        raise ApiError(400, "DID_MISMATCH", "fromCAIP10 and fromDID name different wallets")
    if did_or_400(body.get("toCAIP10"), "toCAIP10") != receiver:
        raise ApiError(400, "DID_MISMATCH", "toCAIP10 and toDID name different wallets")
    if sender == receiver:
        raise ApiError(400, "SELF_CHAT", "sender and receiver are the same wallet")
    return sender, receiver


@router.put("/v1/chat/request/accept")
async def accept_request(
    request: Request, database: DatabaseDep, producer: ProducerDep
) -> dict[str, Any]:
    """The receiver (toDID) accepts fromDID's request; pgp-signed {fromDID, toDID, status}."""
    body = await json_object(request)
    status = body.get("status", "Approved")
    if status != "Approved":
        raise ApiError(400, "BAD_STATUS", "status must be 'Approved'")
    signed = {"fromDID": body.get("fromDID"), "toDID": body.get("toDID"), "status": status}
    requester, answerer, proof = _answer(body)
    event = ChatRequestAccepted(
        conversation=conversation_of(requester, answerer),
        from_did=requester,
        to_did=answerer,
        verification_proof=proof,
        accepted_at=utcnow(),
        signed=signed,
    )
    await _settle_answer(request, database, producer, event)
    return {"fromDID": requester, "toDID": answerer, "status": "Approved"}


@router.put("/v1/chat/request/reject")
async def reject_request(
    request: Request, database: DatabaseDep, producer: ProducerDep
) -> dict[str, Any]:
    """The receiver (toDID) rejects fromDID's request; pgp-signed {fromDID, toDID}."""
    body = await json_object(request)
    signed = {"fromDID": body.get("fromDID"), "toDID": body.get("toDID")}
    requester, answerer, proof = _answer(body)
    event = ChatRequestRejected(
        conversation=conversation_of(requester, answerer),
        from_did=requester,
        to_did=answerer,
        verification_proof=proof,
        rejected_at=utcnow(),
        signed=signed,
    )
    await _settle_answer(request, database, producer, event)
    return {"fromDID": requester, "toDID": answerer, "status": "Rejected"}


def _answer(body: dict[str, Any]) -> tuple[str, str, str]:
    requester = did_or_400(body.get("fromDID"), "fromDID")
    answerer = did_or_400(body.get("toDID"), "toDID")
    proof = str(body.get("verificationProof") or "")
    admission.proof_signature(proof, ("pgp",))
    return requester, answerer, proof


async def _settle_answer(
    request: Request,
    database: DatabaseDep,
    producer: ProducerDep,
    event: ChatRequestAccepted | ChatRequestRejected,
) -> None:
    envelope = wrap(event, producer="gateway")

    async def decided(conn: AsyncConnection) -> dict[str, Any] | None:
        return await chat_db.decision(conn, envelope.event_id)

    found = await publish_and_settle(
        request.app.state.waiters,
        database,
        lambda: producer.publish(CHATS, envelope),
        f"thread:{event.conversation}",
        decided,
        SETTLE_SECONDS,
    )
    if found is None:
        raise ApiError(503, "NOT_YET_VISIBLE", "sent, but not judged yet")
    if found["reason"]:
        raise admission.refusal_error(found["reason"], found["detail"])
