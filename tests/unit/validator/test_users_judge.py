"""The validator's Push-user rules: a registration or rotation is the wallet's and its keys are
sane, a profile is the key's and never rolls back; each refusal has its reason."""

from __future__ import annotations

from typing import Any

import pytest

from pushnode_shared.protocol.chat import sdk_hash
from pushnode_shared.protocol.signatures import personal_sign
from pushnode_validator.domain.chat import Refusal
from pushnode_validator.domain.keys import RegisteredKey
from pushnode_validator.domain.users import (
    Keys,
    KeysView,
    ProfileView,
    judge_keys,
    judge_profile,
    profile_digest,
    profile_in_force,
)

WALLET_KEY = "0x" + "11" * 32
DID = "eip155:0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A"
ARMOR = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n..."
NEW, OLD_ENOUGH = KeysView(False, False, 1), KeysView(True, False, 1)


def no_problem(armored: str, at_us: int) -> str | None:
    return None


def keys(private_key: str = WALLET_KEY, **change: Any) -> Keys:
    """What a wallet signs to register `ARMOR` (the SDK's eip191v2 proof over sha256 JSON)."""
    signed = {"caip10": DID, "did": DID, "publicKey": ARMOR, "encryptedPrivateKey": "{}"}
    proof = "eip191v2:" + personal_sign(sdk_hash(signed), private_key)
    fields = {"public_key": ARMOR, "encrypted_private_key": "{}", "proof": proof, "signed": signed}
    return Keys(**(fields | change))


def reason(refusal: Refusal | None) -> str | None:
    return None if refusal is None else refusal.reason


def test_the_wallets_own_registration_is_accepted() -> None:
    assert judge_keys(DID, keys(), False, NEW, no_problem) is None


@pytest.mark.parametrize(
    ("submitted", "rotation", "view", "expected"),
    [
        (keys(), False, OLD_ENOUGH, "USER_EXISTS"),
        (keys(), True, NEW, "USER_NOT_FOUND"),
        (keys(proof="pgp:x"), False, NEW, "BAD_PROOF_FORMAT"),
        (
            keys(encrypted_private_key="-----BEGIN PGP PRIVATE KEY BLOCK-----"),
            False,
            NEW,
            "PLAINTEXT_PRIVATE_KEY",
        ),
        (keys(proof="eip191v2:0x00"), False, NEW, "BAD_SIGNATURE"),
        (keys(signed={"did": DID}), False, NEW, "BAD_SIGNATURE"),
        (keys(private_key="0x" + "22" * 32), False, NEW, "SIGNER_NOT_WALLET"),
        (keys(), True, KeysView(True, True, 1), "KEY_SUPERSEDED"),
    ],
)
def test_keys_are_refused_with_their_reason(
    submitted: Keys, rotation: bool, view: KeysView, expected: str
) -> None:
    assert reason(judge_keys(DID, submitted, rotation, view, no_problem)) == expected


def test_a_key_the_policy_refuses_is_a_bad_pgp_key() -> None:
    def expired(armored: str, at_us: int) -> str | None:
        return "key expired"

    refusal = judge_keys(DID, keys(), False, NEW, expired)
    assert (reason(refusal), refusal and refusal.detail) == ("BAD_PGP_KEY", "key expired")


PROFILE = {"name": "Dana", "desc": None, "picture": None, "blockedUsersList": None}
SIGNED = {**PROFILE, "profileVerificationProof": "pgpv2:sig"}
KEY = RegisteredKey(ARMOR, "fp")


def signed_by_key(public_key: str, text: str, signature: str) -> bool:
    return public_key == ARMOR and text == sdk_hash(PROFILE) and signature == "sig"


def profile_view(
    key: RegisteredKey | None = KEY, current: int | None = 10, seen: bool = False
) -> ProfileView:
    return ProfileView(key, current, seen, at_us=1)


def test_a_newer_profile_signed_by_the_key_in_force_is_accepted() -> None:
    assert judge_profile(DID, SIGNED, 11, profile_view(), signed_by_key) is None
    assert profile_in_force(SIGNED)["blockedUsersList"] == []


@pytest.mark.parametrize(
    ("profile", "signed_at", "view", "expected"),
    [
        (SIGNED, 11, profile_view(key=None), "USER_NOT_FOUND"),
        (SIGNED, 11, profile_view(key=RegisteredKey("", "")), "USER_NOT_FOUND"),
        (
            {**SIGNED, "profileVerificationProof": "eip191v2:sig"},
            11,
            profile_view(),
            "BAD_PROOF_FORMAT",
        ),
        ({**SIGNED, "name": "Eve"}, 11, profile_view(), "INVALID_SIGNATURE"),
        (SIGNED, 11, profile_view(seen=True), "PROFILE_REPLAYED"),
        (SIGNED, 10, profile_view(), "PROFILE_OUTDATED"),
        (SIGNED, None, profile_view(), "PROFILE_OUTDATED"),
    ],
)
def test_profiles_are_refused_with_their_reason(
    profile: dict[str, Any], signed_at: int | None, view: ProfileView, expected: str
) -> None:
    assert reason(judge_profile(DID, profile, signed_at, view, signed_by_key)) == expected


def test_a_proof_is_the_same_digest_only_with_the_same_fields_and_signed_time() -> None:
    recorded = profile_in_force(SIGNED)
    assert profile_digest(recorded, 11) == profile_digest(dict(recorded), 11)
    assert profile_digest(recorded, 11) != profile_digest(recorded, 12)
    assert profile_digest(recorded, 11) != profile_digest({**recorded, "name": "Eve"}, 11)
