"""The validator's users consumer: it judges the wallets' inputs and records the decisions on
`users`; its own decisions read back change nothing, and the profile updates the gateway wrote
before the validator judged users count as applied (an old proof replayed is refused)."""

from __future__ import annotations

import warnings
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from pushnode_shared.infra.consumer import HandlerContext
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.protocol.chat import did_of, sdk_hash
from pushnode_shared.protocol.events import (
    UserProfileSubmitted,
    UserProfileUpdated,
    UserRegistrationSubmitted,
    payload_of,
    wrap,
)
from pushnode_validator.adapters import profiles, userkeys
from pushnode_validator.handlers.users import UserKeyHandlers
from tests.support.chat import ChatWallet, new_pgp_key
from tests.unit.validator.conftest import T0

HANDLERS = UserKeyHandlers().mapping()


async def consume(db: Database, envelope: Envelope) -> list[Envelope]:
    """One record through its handler in one transaction; what it published."""
    async with db.transaction() as session:
        ctx = HandlerContext(session=session, replay=False)
        await HANDLERS[envelope.type](ctx, envelope)
        await ctx.flush()
    return [e for _, e in ctx.outbox]


def registration(wallet: ChatWallet, at: datetime) -> Envelope:
    body = wallet.registration()
    event = UserRegistrationSubmitted(
        did=did_of(wallet.did),
        caip10=body["caip10"],
        public_key=body["publicKey"],
        encrypted_private_key=body["encryptedPrivateKey"],
        verification_proof=body["verificationProof"],
        origin=None,
        signed={k: body[k] for k in ("caip10", "did", "publicKey", "encryptedPrivateKey")},
        submitted_at=at,
    )
    return wrap(event, producer="gateway", occurred_at=at)


def profile(wallet: ChatWallet, signed_at: datetime) -> dict[str, Any]:
    fields: dict[str, Any] = {"name": "Dana", "desc": None, "picture": None, "blockedUsersList": []}
    assert wallet.pgp is not None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        signature = str(wallet.pgp.sign(sdk_hash(fields), created=signed_at))
    return {**fields, "profileVerificationProof": "pgpv2:" + signature}


def submitted(wallet: ChatWallet, body: dict[str, Any], at: datetime) -> Envelope:
    event = UserProfileSubmitted(did=did_of(wallet.did), profile=body, submitted_at=at)
    return wrap(event, producer="gateway", occurred_at=at)


async def rows(db: Database, table: sa.Table) -> int:
    async with db.engine.connect() as conn:
        return int(await conn.scalar(sa.select(sa.func.count()).select_from(table)) or 0)


async def test_a_registration_is_accepted_and_its_decision_read_back_changes_nothing(
    vdb: Database,
) -> None:
    wallet = ChatWallet(pgp=new_pgp_key())
    (decision,) = await consume(vdb, registration(wallet, T0))
    assert decision.type == "UserRegistered"
    assert await rows(vdb, userkeys.user_keys) == 1
    assert await consume(vdb, decision) == []
    assert await rows(vdb, userkeys.user_keys) == 1


async def test_a_second_registration_is_refused_on_users_with_its_reason(vdb: Database) -> None:
    wallet = ChatWallet(pgp=new_pgp_key())
    await consume(vdb, registration(wallet, T0))
    wallet.pgp = new_pgp_key()
    (refusal,) = await consume(vdb, registration(wallet, T0 + timedelta(seconds=1)))
    assert (refusal.type, refusal.payload["reason"]) == ("UserInputRefused", "USER_EXISTS")


async def test_a_profile_the_gateway_applied_before_the_upgrade_cannot_be_replayed(
    vdb: Database,
) -> None:
    wallet = ChatWallet(pgp=new_pgp_key())
    await consume(vdb, registration(wallet, T0))
    old = profile(wallet, T0 + timedelta(seconds=5))
    written_by_the_old_gateway = UserProfileUpdated(
        did=did_of(wallet.did), profile=old, updated_at=T0 + timedelta(seconds=5)
    )
    assert await consume(vdb, wrap(written_by_the_old_gateway, producer="gateway")) == []
    assert await rows(vdb, profiles.profiles) == 1
    (replayed,) = await consume(vdb, submitted(wallet, old, T0 + timedelta(seconds=9)))
    assert replayed.payload["reason"] == "PROFILE_REPLAYED"
    newer = profile(wallet, T0 + timedelta(seconds=7))
    (accepted,) = await consume(vdb, submitted(wallet, newer, T0 + timedelta(seconds=9)))
    assert payload_of(accepted, UserProfileUpdated).input_id is not None
