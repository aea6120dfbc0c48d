"""Pure rules of Push profiles: who may register or rotate keys, and which profile is current.

The handler loads the view (the wallet's key in force when the input was submitted, whether
it ever had the submitted key, the profile in force) and records what `judge_keys` /
`judge_profile` return. No rollback: the proofs carry no nonce and GET serves them, so a key
the DID ever had, or a profile proof seen before or signed no later than the one in force, is
refused with a reason.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pushnode_shared.protocol.chat import armored_key, sdk_hash
from pushnode_shared.protocol.signatures import BadSignature, recover_personal_signer
from pushnode_validator.domain.chat import Refusal, SignatureCheck, split_proof, usable
from pushnode_validator.domain.keys import RegisteredKey

PRIVATE_ARMOR = "PRIVATE KEY BLOCK-----"
# What the eip191v2 registration proof covers, in this order (the SDK's).
REGISTRATION_FIELDS = ("caip10", "did", "publicKey", "encryptedPrivateKey")
PROFILE_FIELDS = ("name", "desc", "picture", "blockedUsersList")
# The armored key, the moment judged at (µs) -> why the key breaks the policy, or None.
KeyProblem = Callable[[str, int], str | None]


@dataclass(frozen=True)
class KeysView:
    """A registration or rotation's wallet as of its submission (`at_us`)."""

    had_keys: bool
    had_this_key: bool
    at_us: int


@dataclass(frozen=True)
class ProfileView:
    """A profile update's user: its key in force, and the current profile's proof."""

    key: RegisteredKey | None
    current_signed_at: int | None
    seen: bool
    at_us: int


@dataclass(frozen=True)
class Keys:
    """What a registration or rotation submits besides the DID it is for."""

    public_key: str
    encrypted_private_key: str
    proof: str
    signed: dict[str, Any]


def judge_keys(
    did: str, keys: Keys, rotation: bool, view: KeysView, key_problem: KeyProblem
) -> Refusal | None:
    """A registration (first keys) or rotation (new keys): signed by the wallet, keys sane."""
    if not rotation and view.had_keys:
        return Refusal("USER_EXISTS", "keys registered: rotate with PUT /v2/users/{did}/auth")
    if rotation and not view.had_keys:
        return Refusal("USER_NOT_FOUND", f"{did} has no registered keys")
    signature = split_proof(keys.proof, ("eip191v2",))
    if isinstance(signature, Refusal):
        return signature
    if PRIVATE_ARMOR in keys.encrypted_private_key:
        detail = "encryptedPrivateKey holds an unencrypted PGP key"
        return Refusal("PLAINTEXT_PRIVATE_KEY", detail)
    problem = key_problem(armored_key(keys.public_key), view.at_us)
    if problem is not None:
        return Refusal("BAD_PGP_KEY", problem)
    refusal = _signer_refusal(did, keys.signed, signature)
    if refusal is None and rotation and view.had_this_key:
        return Refusal("KEY_SUPERSEDED", f"{did} had this key before: rotate to a new key")
    return refusal


def _signer_refusal(did: str, signed: dict[str, Any], signature: str) -> Refusal | None:
    """The wallet personal_signed sha256({caip10, did, publicKey, encryptedPrivateKey})."""
    try:
        text = sdk_hash({field: signed[field] for field in REGISTRATION_FIELDS})
        signer = recover_personal_signer(text, signature)
    except (BadSignature, KeyError) as exc:
        return Refusal("BAD_SIGNATURE", str(exc))
    if f"eip155:{signer}" != did:
        return Refusal("SIGNER_NOT_WALLET", f"signed by {signer}, not {did}")
    return None


def profile_in_force(profile: dict[str, Any]) -> dict[str, Any]:
    """The profile as recorded: the signed fields, the proof, a missing block list as []."""
    recorded = {k: profile.get(k) for k in PROFILE_FIELDS}
    recorded["profileVerificationProof"] = profile.get("profileVerificationProof")
    recorded["blockedUsersList"] = recorded["blockedUsersList"] or []
    return recorded


def profile_digest(profile: dict[str, Any], signed_at: int | None) -> str:
    """A profile proof as the history knows it: what it signed and when."""
    signed = {k: profile.get(k) for k in PROFILE_FIELDS}
    return "profile:" + hashlib.sha256(f"{sdk_hash(signed)}:{signed_at}".encode()).hexdigest()


def profile_signature(profile: dict[str, Any]) -> str | Refusal:
    """The PGP signature a profile update carries (`pgpv2:` or `pgp:`), or a refusal."""
    return split_proof(str(profile.get("profileVerificationProof") or ""), ("pgpv2", "pgp"))


def judge_profile(
    did: str,
    profile: dict[str, Any],
    signed_at: int | None,
    view: ProfileView,
    verify: SignatureCheck,
) -> Refusal | None:
    """Signed by the user's key in force, not seen before, signed after the current one."""
    if view.key is None or not usable(view.key, view.at_us):
        return Refusal("USER_NOT_FOUND", f"{did} has no PGP keys")
    signature = profile_signature(profile)
    if isinstance(signature, Refusal):
        return signature
    signed = {k: profile.get(k) for k in PROFILE_FIELDS}
    if not verify(armored_key(view.key.public_key), sdk_hash(signed), signature):
        return Refusal("INVALID_SIGNATURE", "profile signature does not verify")
    if view.seen:
        return Refusal("PROFILE_REPLAYED", "this profile proof was applied before")
    before = view.current_signed_at
    if before is not None and (signed_at is None or signed_at <= before):
        return Refusal(
            "PROFILE_OUTDATED", "signed no later than the profile in force: sign it anew"
        )
    return None
