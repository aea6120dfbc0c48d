"""Device tokens: register and remove, each authorised by the wallet's personal_sign."""

from __future__ import annotations

import time

from fastapi import APIRouter, Response

from pushnode_gateway.config import Settings
from pushnode_gateway.deps import ProducerDep, SettingsDep
from pushnode_gateway.errors import ApiError
from pushnode_gateway.models import PushTokenCreate, PushTokenDelete
from pushnode_gateway.params import account_or_400
from pushnode_shared.infra.envelope import utcnow
from pushnode_shared.protocol.events import DeviceRegistered, DeviceUnregistered, wrap
from pushnode_shared.protocol.signatures import (
    BadSignature,
    device_registration_message,
    recover_personal_signer,
)
from pushnode_shared.protocol.topics import DEVICES
from pushnode_shared.protocol.webpush_endpoints import (
    EndpointPolicy,
    EndpointRefused,
    admit,
    subscription_endpoint,
)

router = APIRouter(tags=["devices"])


def _verified_wallet(
    action: str,
    wallet: str,
    token: str,
    platform: str,
    ts: int,
    signature: str,
    max_age: int,
    app: str | None = None,
) -> str:
    address = account_or_400(wallet).lower
    if abs(time.time() - ts) > max_age:
        raise ApiError(401, "STALE_SIGNATURE", f"timestamp must be within {max_age}s of now")
    message = device_registration_message(action, address, token, platform, ts, app)
    try:
        signer = recover_personal_signer(message, signature)
    except BadSignature as exc:
        raise ApiError(401, "BAD_SIGNATURE", str(exc)) from exc
    if signer.lower() != address:
        raise ApiError(403, "SIGNER_NOT_WALLET", "the signature is not the wallet's")
    return address


async def _admit_web_endpoint(token: str, settings: Settings) -> None:
    """A browser's subscription must name a public https push service (no internal requests)."""
    endpoint = subscription_endpoint(token)
    if endpoint is None:
        return  # not a subscription: nothing to request; the dispatcher drops it at its push
    policy = EndpointPolicy.of(
        settings.webpush_hosts.split(","), settings.webpush_dev_origins.split(",")
    )
    try:
        await admit(endpoint, policy)
    except EndpointRefused as refused:
        raise ApiError(400, refused.code, refused.reason) from refused


@router.post("/v1/pushtokens/register", status_code=204)
async def register(body: PushTokenCreate, producer: ProducerDep, settings: SettingsDep) -> Response:
    """Register a device token for the signing wallet."""
    address = _verified_wallet(
        "register",
        body.wallet,
        body.device_token,
        body.platform.value,
        body.timestamp,
        body.signature,
        settings.signature_max_age_seconds,
        body.app,
    )
    if body.platform.value == "web":
        await _admit_web_endpoint(body.device_token, settings)
    event = DeviceRegistered(
        wallet=address,
        device_token=body.device_token,
        platform=body.platform,
        apn_token=body.apn_token,
        signed_at=utcnow(),
        app=body.app,
    )
    await producer.publish(DEVICES, wrap(event, producer="gateway"))
    return Response(status_code=204)


@router.delete("/v1/pushtokens/", status_code=204)
@router.delete("/v1/pushtokens", status_code=204, include_in_schema=False)
async def remove(body: PushTokenDelete, producer: ProducerDep, settings: SettingsDep) -> Response:
    """Stop pushes to a device token; signed like registration with action "remove"."""
    address = _verified_wallet(
        "remove",
        body.wallet,
        body.device_token,
        "",
        body.timestamp,
        body.signature,
        settings.signature_max_age_seconds,
    )
    event = DeviceUnregistered(wallet=address, device_token=body.device_token, reason="wallet")
    await producer.publish(DEVICES, wrap(event, producer="gateway"))
    return Response(status_code=204)
