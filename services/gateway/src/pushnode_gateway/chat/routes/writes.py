"""Chat writes: POST /v1/chat/request and /message, PUT /v1/chat/request/accept and /reject.

Each write is checked here (DIDs, keys, encryption, block list, conversation state, the
sender's PGP signature), appended to `chats`, and answered once the gateway's projection
shows it: messages come back with the CID storage gave them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from fastapi import APIRouter, Request

from pushnode_gateway.chat import rules
from pushnode_gateway.chat.adapters import chat_db
from pushnode_gateway.chat.deps import (
    VerifierDep,
    did_or_400,
    json_object,
    publish_and_settle,
    refused,
)
from pushnode_gateway.deps import DatabaseDep, ProducerDep
from pushnode_gateway.errors import ApiError
from pushnode_shared.infra.envelope import derive_id, utcnow
from pushnode_shared.protocol.chat import armored_key, conversation_of, sdk_hash
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
    request: Request, database: DatabaseDep, producer: ProducerDep, pgp: VerifierDep
) -> dict[str, Any]:
    """A first message to a peer: opens a request the receiver accepts or rejects."""
    return await _send(request, database, producer, pgp, intent=True)


@router.post("/v1/chat/message")
async def send_message(
    request: Request, database: DatabaseDep, producer: ProducerDep, pgp: VerifierDep
) -> dict[str, Any]:
    """A message in an existing conversation."""
    return await _send(request, database, producer, pgp, intent=False)


async def _send(
    request: Request, database: DatabaseDep, producer: ProducerDep, pgp: VerifierDep, intent: bool
) -> dict[str, Any]:
    body = await json_object(request)
    sender, receiver = _pair(body)
    conversation = conversation_of(sender, receiver)
    async with database.engine.connect() as conn:
        from_user = await chat_db.user(conn, sender)
        to_user = await chat_db.user(conn, receiver)
        thread = await chat_db.thread(conn, conversation)
    if not rules.has_keys(from_user):
        raise ApiError(403, "SENDER_HAS_NO_KEYS", f"{sender} has no registered PGP key")
    assert from_user is not None
    try:
        rules.check_encryption(str(body.get("encType")), to_user)
        rules.check_not_blocked(sender, to_user)
        rules.check_request(thread) if intent else rules.check_message(thread, sender)
        text, signature = rules.message_signed_text(body)
    except rules.ChatRefused as exc:
        raise refused(exc) from exc
    if not pgp.verify(armored_key(from_user["public_key"]), text, signature):
        raise ApiError(403, "INVALID_SIGNATURE", "the PGP signature is not the sender's")
    sent = ChatMessageSent(
        message_id=derive_id("chat", conversation, signature),
        conversation=conversation,
        from_did=sender,
        to_did=receiver,
        intent=intent,
        message={k: body[k] for k in MESSAGE_FIELDS if k in body},
        sent_at=utcnow(),
        accepted=thread is not None and thread["status"] == "approved",
    )
    async with database.engine.connect() as conn:
        again = await chat_db.message_by_id(conn, sent.message_id)
    if again is not None:
        return again  # the same signed message sent twice is stored once

    async def stored(conn: Any) -> dict[str, Any] | None:
        return await chat_db.message_by_id(conn, sent.message_id)

    found = await publish_and_settle(
        request.app.state.waiters,
        database,
        lambda: producer.publish(CHATS, wrap(sent, producer="gateway")),
        f"message:{sent.message_id}",
        stored,
        SETTLE_SECONDS,
    )
    if found is None:
        raise ApiError(503, "NOT_YET_STORED", "accepted, but not stored yet: read history later")
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
    request: Request, database: DatabaseDep, producer: ProducerDep, pgp: VerifierDep
) -> dict[str, Any]:
    """The receiver (toDID) accepts fromDID's request; pgp-signed {fromDID, toDID, status}."""
    body = await json_object(request)
    status = body.get("status", "Approved")
    if status != "Approved":
        raise ApiError(400, "BAD_STATUS", "status must be 'Approved'")
    signed = {"fromDID": body.get("fromDID"), "toDID": body.get("toDID"), "status": status}
    requester, answerer, proof = await _answer(body, signed, database, pgp)
    conversation = conversation_of(requester, answerer)
    event = ChatRequestAccepted(
        conversation=conversation,
        from_did=requester,
        to_did=answerer,
        verification_proof=proof,
        accepted_at=utcnow(),
    )
    publish = partial(producer.publish, CHATS, wrap(event, producer="gateway"))
    await _settle_status(request, database, publish, conversation, "approved")
    return {"fromDID": requester, "toDID": answerer, "status": "Approved"}


@router.put("/v1/chat/request/reject")
async def reject_request(
    request: Request, database: DatabaseDep, producer: ProducerDep, pgp: VerifierDep
) -> dict[str, Any]:
    """The receiver (toDID) rejects fromDID's request; pgp-signed {fromDID, toDID}."""
    body = await json_object(request)
    signed = {"fromDID": body.get("fromDID"), "toDID": body.get("toDID")}
    requester, answerer, proof = await _answer(body, signed, database, pgp)
    conversation = conversation_of(requester, answerer)
    event = ChatRequestRejected(
        conversation=conversation,
        from_did=requester,
        to_did=answerer,
        verification_proof=proof,
        rejected_at=utcnow(),
    )
    publish = partial(producer.publish, CHATS, wrap(event, producer="gateway"))
    await _settle_status(request, database, publish, conversation, "rejected")
    return {"fromDID": requester, "toDID": answerer, "status": "Rejected"}


async def _answer(
    body: dict[str, Any], signed: dict[str, Any], database: DatabaseDep, pgp: VerifierDep
) -> tuple[str, str, str]:
    requester = did_or_400(body.get("fromDID"), "fromDID")
    answerer = did_or_400(body.get("toDID"), "toDID")
    proof = str(body.get("verificationProof") or "")
    async with database.engine.connect() as conn:
        thread = await chat_db.thread(conn, conversation_of(requester, answerer))
        user = await chat_db.user(conn, answerer)
    try:
        rules.check_answer(thread, requester, answerer)
        _, signature = rules.split_proof(proof, ("pgp",))
    except rules.ChatRefused as exc:
        raise refused(exc) from exc
    if user is None or not pgp.verify(armored_key(user["public_key"]), sdk_hash(signed), signature):
        raise ApiError(403, "INVALID_SIGNATURE", "the PGP signature is not the receiver's")
    return requester, answerer, proof


async def _settle_status(
    request: Request,
    database: DatabaseDep,
    publish: Callable[[], Awaitable[None]],
    conversation: str,
    status: str,
) -> None:
    async def probe(conn: Any) -> bool | None:
        thread = await chat_db.thread(conn, conversation)
        return True if thread is not None and thread["status"] == status else None

    key = f"thread:{conversation}"
    waiters = request.app.state.waiters
    if await publish_and_settle(waiters, database, publish, key, probe, SETTLE_SECONDS) is None:
        raise ApiError(503, "NOT_YET_VISIBLE", "accepted, but not visible yet")
