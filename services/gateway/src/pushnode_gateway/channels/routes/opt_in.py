"""Off-chain opt-in/opt-out: POST /apis/v1/channels/{channel}/subscribe and /unsubscribe."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from pushnode_gateway.deps import ProducerDep, SettingsDep
from pushnode_gateway.errors import ApiError
from pushnode_shared.infra.envelope import utcnow
from pushnode_shared.protocol.caip import BadAddress, parse_account
from pushnode_shared.protocol.chains import by_id
from pushnode_shared.protocol.events import SubscriptionAction, SubscriptionSubmitted, wrap
from pushnode_shared.protocol.optins import BadSignature, OptIn, optin_signer, parse_optin
from pushnode_shared.protocol.payloads import PayloadError
from pushnode_shared.protocol.topics import PROTOCOL_INPUTS, channel_key

router = APIRouter(tags=["channels"])


class OptInCreate(BaseModel):
    """The SDK's subscribe/unsubscribe body (v2), or the legacy one (v1 signature field)."""

    model_config = ConfigDict(populate_by_name=True, extra="allow")

    verification_proof: str | None = Field(default=None, alias="verificationProof", max_length=400)
    signature: str | None = Field(default=None, max_length=400)
    message: str | dict[str, Any]
    origin: str | None = Field(default=None, max_length=200)


@router.post("/v1/channels/{channel}/subscribe", status_code=204)
async def subscribe(
    channel: str, body: OptInCreate, producer: ProducerDep, settings: SettingsDep
) -> Response:
    """Opt a wallet in to a channel; the wallet's signature is the authority."""
    await _submit(channel, body, "Subscribe", producer, settings)
    return Response(status_code=204)


@router.post("/v1/channels/{channel}/unsubscribe", status_code=204)
async def unsubscribe(
    channel: str, body: OptInCreate, producer: ProducerDep, settings: SettingsDep
) -> Response:
    """Opt a wallet out of a channel."""
    await _submit(channel, body, "Unsubscribe", producer, settings)
    return Response(status_code=204)


async def _submit(
    channel: str, body: OptInCreate, action: str, producer: ProducerDep, settings: SettingsDep
) -> None:
    optin, chain_id = _checked(channel, body, action, settings)
    event = SubscriptionSubmitted(
        channel=channel_key(optin.channel.address),
        chain_id=chain_id,
        subscriber=optin.subscriber.lower,
        action=SubscriptionAction(action),
        user_setting=optin.user_setting,
        message=optin.message,
        proof_kind=optin.proof_kind,
        signature=optin.signature,
        submitted_at=utcnow(),
    )
    await producer.publish(PROTOCOL_INPUTS, wrap(event, producer="gateway"))


def _checked(
    channel: str, body: OptInCreate, action: str, settings: SettingsDep
) -> tuple[OptIn, int]:
    """The parsed opt-in and its chain: the signed message's CAIP chain, else the path's.

    subscribeV2 signs bare addresses (`channel: "0x…"`) and names the chain only in the path.
    """
    proof = body.verification_proof or body.signature or ""
    try:
        optin = parse_optin(body.message, proof, action)
        path_channel = parse_account(channel)
    except (PayloadError, BadAddress) as exc:
        reason = getattr(exc, "reason", "BAD_ADDRESS")
        raise ApiError(400, reason, str(exc)) from exc
    if path_channel.lower != optin.channel.lower:
        raise ApiError(
            400, "CHANNEL_MISMATCH", "the path and the signed message name other channels"
        )
    chain = by_id(settings.chains, optin.channel.chain_id or path_channel.chain_id or 0)
    if chain is None:
        raise ApiError(400, "CHAIN_NOT_SUPPORTED", f"chain of {channel} not followed")
    try:
        signer = optin_signer(optin, chain.chain_id, chain.comm)
    except BadSignature as exc:
        raise ApiError(400, "BAD_SIGNATURE", str(exc)) from exc
    if signer.lower() != optin.subscriber.lower:
        raise ApiError(403, "SIGNER_NOT_SUBSCRIBER", "the signature is not the subscriber's")
    return optin, chain.chain_id
