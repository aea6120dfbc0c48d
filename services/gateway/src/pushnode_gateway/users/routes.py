"""Push profiles: POST/GET /apis/v2/users/, batch, key rotation and profile (users topic).

The gateway admits each write (DIDs, body size, the proof's format), appends it to `users` as
the wallet's input, and waits (bounded) for the validator's decision on it, read from its own
projection: the profile as it now is, or a refusal as a 4xx with the validator's reason code
(a registration over keys, a key the DID had before, a replayed or outdated profile proof,
a signature that is not the wallet's or the key's)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncConnection

from pushnode_gateway.chat import admission
from pushnode_gateway.chat.adapters import chat_db
from pushnode_gateway.chat.deps import did_or_400, json_object, publish_and_settle
from pushnode_gateway.deps import DatabaseDep, ProducerDep
from pushnode_gateway.errors import ApiError
from pushnode_gateway.users.formatting import user_public
from pushnode_shared.infra.envelope import utcnow
from pushnode_shared.protocol.events import (
    Event,
    UserKeysRotationSubmitted,
    UserProfileSubmitted,
    UserRegistrationSubmitted,
    wrap,
)
from pushnode_shared.protocol.topics import USERS

router = APIRouter(tags=["chat users"])
SETTLE_SECONDS = 10.0
# What the wallet's eip191v2 registration proof covers, as the client wrote it.
REGISTRATION_FIELDS = ("caip10", "did", "publicKey", "encryptedPrivateKey")
PROFILE_FIELDS = ("name", "desc", "picture", "blockedUsersList")


@router.get("/v2/users/")
@router.get("/v2/users", include_in_schema=False)
async def get_user(caip10: str, database: DatabaseDep) -> Any:
    """The user, or JSON null for an address without a profile (what the SDK expects)."""
    did = did_or_400(caip10, "caip10")
    async with database.engine.connect() as conn:
        row = await chat_db.user(conn, did)
    return None if row is None else user_public(row)


@router.post("/v2/users/batch")
async def get_users(request: Request, database: DatabaseDep) -> dict[str, Any]:
    """Up to 100 users by DID; unknown ones are left out."""
    ids = (await json_object(request)).get("userIds")
    if not isinstance(ids, list) or len(ids) > 100:
        raise ApiError(400, "INVALID_REQUEST", "userIds: a list of at most 100 DIDs")
    async with database.engine.connect() as conn:
        rows = await chat_db.users_in(conn, [did_or_400(i, "userIds") for i in ids])
    return {"users": [{**user_public(r), "caip10": r["caip10"]} for r in rows]}


@router.post("/v2/users/")
@router.post("/v2/users", include_in_schema=False)
async def create_user(
    request: Request, database: DatabaseDep, producer: ProducerDep
) -> JSONResponse:
    """Register a wallet's PGP keys (eip191v2-signed), or a key-less stub for a new receiver."""
    body = await json_object(request)
    did = did_or_400(body.get("did"), "did")
    if did_or_400(body.get("caip10"), "caip10") != did:
        raise ApiError(400, "DID_MISMATCH", "caip10 and did name different wallets")
    stub = not body.get("publicKey") and not body.get("encryptedPrivateKey")
    if stub:
        async with database.engine.connect() as conn:
            existing = await chat_db.user(conn, did)
        if existing is not None:
            return JSONResponse(user_public(existing))
    else:
        admission.proof_signature(str(body.get("verificationProof", "")), ("eip191v2",))
    submitted = UserRegistrationSubmitted(
        did=did,
        caip10=str(body["caip10"]),
        public_key=str(body.get("publicKey") or ""),
        encrypted_private_key=str(body.get("encryptedPrivateKey") or ""),
        verification_proof="" if stub else str(body["verificationProof"]),
        origin=body.get("origin"),
        signed={k: body[k] for k in REGISTRATION_FIELDS if k in body},
        submitted_at=utcnow(),
    )
    row = await _judged(request, database, producer, submitted, did)
    return JSONResponse(user_public(row), status_code=201)


@router.put("/v2/users/{did_path}/auth")
async def rotate_keys(
    did_path: str, request: Request, database: DatabaseDep, producer: ProducerDep
) -> JSONResponse:
    """Replace a user's keys; signed by the wallet like a registration."""
    body = await json_object(request)
    did = did_or_400(did_path, "did")
    proof = str(body.get("verificationProof", ""))
    admission.proof_signature(proof, ("eip191v2",))
    signed = {k: body[k] for k in REGISTRATION_FIELDS if k in body} | {"did": did_path}
    submitted = UserKeysRotationSubmitted(
        did=did,
        public_key=str(body.get("publicKey", "")),
        encrypted_private_key=str(body.get("encryptedPrivateKey", "")),
        verification_proof=proof,
        signed=signed,
        submitted_at=utcnow(),
    )
    return JSONResponse(user_public(await _judged(request, database, producer, submitted, did)))


@router.put("/v2/users/{did_path}/profile")
async def update_profile(
    did_path: str, request: Request, database: DatabaseDep, producer: ProducerDep
) -> JSONResponse:
    """Name, description, picture and block list, PGP-signed by the user's registered key."""
    body = await json_object(request)
    did = did_or_400(did_path, "did")
    proof = str(body.get("verificationProof", ""))
    admission.proof_signature(proof, ("pgpv2", "pgp"))
    profile = {k: body.get(k) for k in PROFILE_FIELDS} | {"profileVerificationProof": proof}
    submitted = UserProfileSubmitted(did=did, profile=profile, submitted_at=utcnow())
    return JSONResponse(user_public(await _judged(request, database, producer, submitted, did)))


async def _judged(
    request: Request, database: DatabaseDep, producer: ProducerDep, submitted: Event, did: str
) -> dict[str, Any]:
    """Publish the input; the user's row once the validator accepted it, else its refusal."""
    envelope = wrap(submitted, producer="gateway")

    async def decided(conn: AsyncConnection) -> tuple[dict[str, Any], dict[str, Any] | None] | None:
        found = await chat_db.decision(conn, envelope.event_id)
        return None if found is None else (found, await chat_db.user(conn, did))

    settled = await publish_and_settle(
        request.app.state.waiters,
        database,
        lambda: producer.publish(USERS, envelope),
        f"user:{did}",
        decided,
        SETTLE_SECONDS,
    )
    if settled is None:
        raise ApiError(503, "NOT_YET_VISIBLE", "sent, but not judged yet: read it again")
    decision, row = settled
    if decision["reason"]:
        raise admission.refusal_error(decision["reason"], decision["detail"])
    if row is None:
        raise ApiError(503, "NOT_YET_VISIBLE", "accepted, but not visible yet: read it again")
    return row
