"""pgpv4 proofs: the channel owner's Push-user PGP key, folded from `users`, signs the payload.

The signed text is the SDK's own (sdk_pgpv4_proof.json was made by @pushprotocol/restapi's
getVerificationProof, see tests/sdk/notifications/pgpv4_proof.js). Keys are judged as they
were at the notification's submitted_at, so the fold reading further ahead changes nothing.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pgpy

from pushnode_shared.infra.consumer import HandlerContext
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.protocol.events import (
    NotificationSubmitted,
    UserKeysRotated,
    UserRegistered,
    payload_of,
    wrap,
)
from pushnode_shared.protocol.payloads import parse_proof
from pushnode_validator.adapters.pgp import key_facts, signed_text, verify
from pushnode_validator.bootstrap import make_handlers
from pushnode_validator.handlers.users import UserKeyHandlers
from tests.conftest import ANVIL_KEYS
from tests.support.chat import new_pgp_key, pgp_sign
from tests.unit.validator.conftest import SEPOLIA, T0, address, created, notification, run

SDK = json.loads((Path(__file__).parent / "sdk_pgpv4_proof.json").read_text())
CHANNEL_KEY, ALICE_KEY = ANVIL_KEYS[1], ANVIL_KEYS[2]
CHANNEL, ALICE = address(CHANNEL_KEY), address(ALICE_KEY)
OLD, NEW = new_pgp_key(), new_pgp_key()


def sdk_public_key(key: pgpy.PGPKey) -> str:
    return json.dumps({"key": str(key.pubkey), "signature": "DEPRECATED"})


def registered(key: pgpy.PGPKey, at: datetime, wallet: str = CHANNEL) -> Envelope:
    did = f"eip155:{wallet}"
    event = UserRegistered(
        did=did,
        caip10=did,
        public_key=sdk_public_key(key),
        encrypted_private_key="{}",
        verification_proof="eip191v2:0x",
        origin=None,
        registered_at=at,
    )
    return wrap(event, producer="gateway", occurred_at=at)


def rotated(key: pgpy.PGPKey, at: datetime) -> Envelope:
    event = UserKeysRotated(
        did=f"eip155:{CHANNEL}",
        public_key=sdk_public_key(key),
        encrypted_private_key="{}",
        verification_proof="eip191v2:0x",
        rotated_at=at,
    )
    return wrap(event, producer="gateway", occurred_at=at)


def pgp_signed(key: pgpy.PGPKey, at: datetime, uid: str = "1") -> Envelope:
    """A notification from the channel whose proof is a pgpv4 signature by `key`."""
    envelope = notification(CHANNEL_KEY, ALICE, uid=uid, at=at)
    sub = payload_of(envelope, NotificationSubmitted)
    proof = "pgpv4:" + pgp_sign(key, signed_text(sub.identity))
    return wrap(sub.model_copy(update={"verification_proof": proof}), producer="gateway")


async def fold_users(db: Database, *envelopes: Envelope) -> None:
    """The validator-users consumer's handlers, one record per transaction."""
    handlers = UserKeyHandlers().mapping()
    for envelope in envelopes:
        async with db.transaction() as session:
            await handlers[envelope.type](HandlerContext(session=session, replay=False), envelope)


async def decide(db: Database, envelope: Envelope) -> dict[str, object]:
    [decision] = await run(make_handlers((SEPOLIA,)), db, envelope)
    return {"type": decision.type, **decision.payload}


def test_a_proof_made_by_the_sdk_verifies_over_the_sdks_signed_text() -> None:
    signature = parse_proof(SDK["proof"]).body
    assert verify(SDK["publicKey"], signed_text(SDK["identity"]), signature)
    assert not verify(SDK["publicKey"], signed_text(SDK["identity"] + " "), signature)


async def test_a_notification_signed_with_the_channels_registered_key_is_accepted(
    vdb: Database,
) -> None:
    await run(make_handlers((SEPOLIA,)), vdb, created(CHANNEL))
    await fold_users(vdb, registered(OLD, T0))
    decision = await decide(vdb, pgp_signed(OLD, T0 + timedelta(seconds=1)))
    assert decision["type"] == "NotificationAccepted", decision
    assert decision["signer"] == CHANNEL
    assert decision["signing_key"] == key_facts(str(OLD.pubkey)).fingerprint


async def test_a_channel_without_a_push_user_key_is_refused_with_its_reason(
    vdb: Database,
) -> None:
    await run(make_handlers((SEPOLIA,)), vdb, created(CHANNEL))
    await fold_users(vdb, registered(OLD, T0, wallet=ALICE))  # someone else's key
    decision = await decide(vdb, pgp_signed(OLD, T0 + timedelta(seconds=1)))
    assert decision["reason"] == "PGP_KEY_NOT_REGISTERED"


async def test_a_signature_by_another_key_is_a_bad_signature(vdb: Database) -> None:
    await run(make_handlers((SEPOLIA,)), vdb, created(CHANNEL))
    await fold_users(vdb, registered(OLD, T0))
    decision = await decide(vdb, pgp_signed(NEW, T0 + timedelta(seconds=1)))
    assert decision["reason"] == "BAD_SIGNATURE"


async def test_a_rotation_counts_from_its_own_time_whatever_the_fold_has_read(
    vdb: Database,
) -> None:
    await run(make_handlers((SEPOLIA,)), vdb, created(CHANNEL))
    # The fold has already read a rotation stamped after the first notification.
    await fold_users(vdb, registered(OLD, T0), rotated(NEW, T0 + timedelta(seconds=10)))
    before = await decide(vdb, pgp_signed(OLD, T0 + timedelta(seconds=5), uid="a"))
    after_old = await decide(vdb, pgp_signed(OLD, T0 + timedelta(seconds=11), uid="b"))
    after_new = await decide(vdb, pgp_signed(NEW, T0 + timedelta(seconds=11), uid="c"))
    assert (before["type"], after_old.get("reason"), after_new["type"]) == (
        "NotificationAccepted",
        "BAD_SIGNATURE",
        "NotificationAccepted",
    )


async def test_of_two_keys_stamped_alike_the_later_in_log_order_wins(vdb: Database) -> None:
    await run(make_handlers((SEPOLIA,)), vdb, created(CHANNEL))
    await fold_users(vdb, registered(OLD, T0), rotated(NEW, T0))
    decision = await decide(vdb, pgp_signed(NEW, T0 + timedelta(seconds=1)))
    assert decision["type"] == "NotificationAccepted", decision


async def test_a_re_emitted_registration_and_a_keyless_stub_change_nothing(vdb: Database) -> None:
    await run(make_handlers((SEPOLIA,)), vdb, created(CHANNEL))
    first = registered(OLD, T0)
    stub = registered(NEW, T0 + timedelta(seconds=1))
    stub = wrap(
        payload_of(stub, UserRegistered).model_copy(update={"public_key": ""}), producer="gateway"
    )
    await fold_users(vdb, first, rotated(NEW, T0 + timedelta(seconds=2)), first, stub)
    decision = await decide(vdb, pgp_signed(NEW, T0 + timedelta(seconds=3)))
    assert decision["type"] == "NotificationAccepted", decision
