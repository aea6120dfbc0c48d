"""Push profiles: POST/GET /apis/v2/users/, batch, key rotation and profile (users topic).

No rollback (the proofs carry no nonce and GET serves them): a key the DID ever had, a profile
proof seen before or signed no later than the one in force, is 409 with a reason."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from pushnode_gateway.chat.adapters import chat_db
from pushnode_gateway.chat.deps import did_or_400, json_object, publish_and_settle
from pushnode_gateway.deps import DatabaseDep, ProducerDep
from pushnode_gateway.errors import ApiError
from pushnode_gateway.users import rules
from pushnode_gateway.users.adapters import history
from pushnode_gateway.users.adapters.pgp import BadKey
from pushnode_gateway.users.deps import VerifierDep
from pushnode_gateway.users.formatting import user_public
from pushnode_shared.infra.envelope import utcnow
from pushnode_shared.protocol.chat import armored_key, sdk_hash
from pushnode_shared.protocol.events import (
    Event,
    UserKeysRotated,
    UserProfileUpdated,
    UserRegistered,
    wrap,
)
from pushnode_shared.protocol.signatures import BadSignature, recover_personal_signer
from pushnode_shared.protocol.topics import USERS

router = APIRouter(tags=["chat users"])
SETTLE_SECONDS = 10.0


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
    request: Request, database: DatabaseDep, producer: ProducerDep, pgp: VerifierDep
) -> JSONResponse:
    """Register a wallet's PGP keys (eip191v2-signed), or a key-less stub for a new receiver."""
    body = await json_object(request)
    did = did_or_400(body.get("did"), "did")
    if did_or_400(body.get("caip10"), "caip10") != did:
        raise ApiError(400, "DID_MISMATCH", "caip10 and did name different wallets")
    async with database.engine.connect() as conn:
        existing = await chat_db.user(conn, did)
    stub = not body.get("publicKey") and not body.get("encryptedPrivateKey")
    if stub and existing is not None:
        return JSONResponse(user_public(existing))
    if not stub:
        if rules.has_keys(existing):
            raise ApiError(
                409, "USER_EXISTS", "keys registered: rotate with PUT /v2/users/{did}/auth"
            )
        _check_keys(body, did, body.get("did"), pgp)
    event = UserRegistered(
        did=did,
        caip10=str(body["caip10"]),
        public_key=str(body.get("publicKey") or ""),
        encrypted_private_key=str(body.get("encryptedPrivateKey") or ""),
        verification_proof="" if stub else str(body["verificationProof"]),
        origin=body.get("origin"),
        registered_at=utcnow(),
    )
    row = await _publish_and_settle(request, database, producer, event, did, event.public_key)
    return JSONResponse(user_public(row), status_code=201)


@router.put("/v2/users/{did_path}/auth")
async def rotate_keys(
    did_path: str, request: Request, database: DatabaseDep, producer: ProducerDep, pgp: VerifierDep
) -> JSONResponse:
    """Replace a user's keys; signed by the wallet like a registration."""
    body = await json_object(request)
    did = did_or_400(did_path, "did")
    async with database.engine.connect() as conn:
        if await chat_db.user(conn, did) is None:
            raise ApiError(404, "USER_NOT_FOUND", f"{did} has no profile")
    _check_keys(body, did, did_path, pgp)
    async with database.engine.connect() as conn:
        if await history.seen(conn, did, history.key_digest(str(body["publicKey"]))):
            raise ApiError(409, "KEY_SUPERSEDED", f"{did} had this key before: rotate to a new key")
    event = UserKeysRotated(
        did=did,
        public_key=str(body["publicKey"]),
        encrypted_private_key=str(body["encryptedPrivateKey"]),
        verification_proof=str(body["verificationProof"]),
        rotated_at=utcnow(),
    )
    row = await _publish_and_settle(request, database, producer, event, did, event.public_key)
    return JSONResponse(user_public(row))


@router.put("/v2/users/{did_path}/profile")
async def update_profile(
    did_path: str, request: Request, database: DatabaseDep, producer: ProducerDep, pgp: VerifierDep
) -> JSONResponse:
    """Name, description, picture and block list, PGP-signed by the user's registered key."""
    body = await json_object(request)
    did = did_or_400(did_path, "did")
    async with database.engine.connect() as conn:
        existing = await chat_db.user(conn, did)
    if not rules.has_keys(existing):
        raise ApiError(404, "USER_NOT_FOUND", f"{did} has no PGP keys")
    assert existing is not None
    signed = {k: body.get(k) for k in ("name", "desc", "picture", "blockedUsersList")}
    try:
        _, signature = rules.split_proof(str(body.get("verificationProof", "")), ("pgpv2", "pgp"))
    except rules.ChatRefused as exc:
        raise ApiError(exc.status, exc.reason, exc.message) from exc
    if not pgp.verify(armored_key(existing["public_key"]), sdk_hash(signed), signature):
        raise ApiError(403, "INVALID_SIGNATURE", "profile signature does not verify")
    profile = {**signed, "profileVerificationProof": body["verificationProof"]}
    profile["blockedUsersList"] = signed["blockedUsersList"] or []
    await _refuse_rollback(database, did, existing["profile"], profile)
    event = UserProfileUpdated(did=did, profile=profile, updated_at=utcnow())
    row = await _settled(request, database, producer, event, did, ("profile", profile))
    return JSONResponse(user_public(row or existing))


async def _refuse_rollback(
    database: DatabaseDep, did: str, current: dict[str, Any], profile: dict[str, Any]
) -> None:
    """409 for a profile proof seen before, or signed no later than the profile in force."""
    async with database.engine.connect() as conn:
        if await history.seen(conn, did, history.profile_digest(profile)):
            raise ApiError(409, "PROFILE_REPLAYED", "this profile proof was applied before")
    before, signed = history.profile_signed_at(current), history.profile_signed_at(profile)
    if before is not None and (signed is None or signed <= before):
        raise ApiError(
            409, "PROFILE_OUTDATED", "signed no later than the profile in force: sign it anew"
        )


def _check_keys(body: dict[str, Any], did: str, signed_did: Any, pgp: VerifierDep) -> None:
    """The wallet signed sha256({caip10, did, publicKey, encryptedPrivateKey}); keys are sane."""
    try:
        _, signature = rules.split_proof(str(body.get("verificationProof", "")), ("eip191v2",))
        rules.refuse_plaintext_private_key(str(body.get("encryptedPrivateKey", "")))
        pgp.check_key(armored_key(str(body.get("publicKey", ""))))
    except rules.ChatRefused as exc:
        raise ApiError(exc.status, exc.reason, exc.message) from exc
    except BadKey as exc:
        raise ApiError(400, "BAD_PGP_KEY", str(exc)) from exc
    signed = {**body, "did": signed_did}
    try:
        signer = recover_personal_signer(rules.registration_hash(signed), signature)
    except (BadSignature, KeyError) as exc:
        raise ApiError(400, "BAD_SIGNATURE", str(exc)) from exc
    if f"eip155:{signer}" != did:
        raise ApiError(403, "SIGNER_NOT_WALLET", f"signed by {signer}, not {did}")


async def _publish_and_settle(
    request: Request,
    database: DatabaseDep,
    producer: ProducerDep,
    event: Event,
    did: str,
    public_key: str,
) -> dict[str, Any]:
    row = await _settled(request, database, producer, event, did, ("public_key", public_key))
    if row is None:
        raise ApiError(503, "NOT_YET_VISIBLE", "accepted, but not visible yet: read it again")
    return row


async def _settled(
    request: Request,
    database: DatabaseDep,
    producer: ProducerDep,
    event: Event,
    did: str,
    expected: tuple[str, Any],
) -> dict[str, Any] | None:
    """Publish `event`; the user's row once its `expected` column holds the value, or None."""
    column, value = expected

    async def probe(conn: Any) -> dict[str, Any] | None:
        row = await chat_db.user(conn, did)
        return row if row is not None and row[column] == value else None

    return await publish_and_settle(
        request.app.state.waiters,
        database,
        lambda: producer.publish(USERS, wrap(event, producer="gateway")),
        f"user:{did}",
        probe,
        SETTLE_SECONDS,
    )
