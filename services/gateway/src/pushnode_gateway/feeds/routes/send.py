"""POST /apis/v1/payloads/: check the request shape, append NotificationSubmitted."""

from __future__ import annotations

from fastapi import APIRouter, Response

from pushnode_gateway.deps import ProducerDep, SettingsDep
from pushnode_gateway.errors import ApiError
from pushnode_gateway.models import PayloadCreate
from pushnode_shared.infra.envelope import derive_id, utcnow
from pushnode_shared.protocol.caip import BadAddress, parse_account
from pushnode_shared.protocol.chains import by_id
from pushnode_shared.protocol.events import NotificationSubmitted, RejectReason, wrap
from pushnode_shared.protocol.payloads import (
    NOTIFICATION_PROOF_KINDS,
    PayloadError,
    parse_identity,
    parse_proof,
)
from pushnode_shared.protocol.topics import PROTOCOL_INPUTS, channel_key

router = APIRouter(tags=["notifications"])


@router.post("/v1/payloads/", status_code=204)
@router.post("/v1/payloads", status_code=204, include_in_schema=False)
async def send_notification(
    body: PayloadCreate, producer: ProducerDep, settings: SettingsDep
) -> Response:
    """Accept a signed notification for validation; 204 once it is on the log."""
    sender = _account(body.sender, RejectReason.BAD_SENDER)
    if sender.chain_id is None or by_id(settings.chains, sender.chain_id) is None:
        raise ApiError(400, RejectReason.CHAIN_NOT_SUPPORTED, f"{body.sender}: chain not followed")
    try:
        proof = parse_proof(body.verification_proof)
        identity = parse_identity(body.identity)
    except PayloadError as exc:
        raise ApiError(400, exc.reason, exc.detail) from exc
    # The validator would refuse these anyway; saying so now spares the dapp a silent drop.
    if proof.kind not in NOTIFICATION_PROOF_KINDS:
        detail = f"proof kind {proof.kind}: use eip712v2 or pgpv4"
        raise ApiError(400, RejectReason.UNSUPPORTED_PROOF, detail)
    if identity.storage_type == 3:
        raise ApiError(400, RejectReason.UNSUPPORTED_IDENTITY, "subgraph identities (type 3)")
    recipient = body.recipient if isinstance(body.recipient, str) else ",".join(body.recipient)
    if identity.payload and str(identity.payload["data"].get("type")) == "3":
        _account(recipient, RejectReason.BAD_RECIPIENT)
    submitted = NotificationSubmitted(
        # The proof holds the signature and the ::uid:: suffix: unique per notification.
        notification_id=derive_id("notification", body.verification_proof),
        channel=channel_key(sender.address),
        sender=sender.caip10(),
        recipient=recipient,
        identity=body.identity,
        verification_proof=body.verification_proof,
        source=body.source,
        submitted_at=utcnow(),
    )
    await producer.publish(PROTOCOL_INPUTS, wrap(submitted, producer="gateway"))
    return Response(status_code=204)


def _account(text: str, reason: RejectReason):  # type: ignore[no-untyped-def]
    try:
        return parse_account(text)
    except BadAddress as exc:
        raise ApiError(400, reason, str(exc)) from exc
