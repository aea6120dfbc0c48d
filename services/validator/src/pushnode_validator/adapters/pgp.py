"""pgpv4 proofs checked with pgpy: the signed text, key facts, and a detached-signature check.

The SDK (`@pushprotocol/restapi` payloads/helpers.js) signs `pgpv4` proofs as
`openpgp.sign({message: createMessage({text: sha256hex(JSON.stringify({data: identity}))}),
detached: true})` with the sender's Push-profile key; `verificationProof = "pgpv4:<armored>"`.

This is the node's one key policy (notifications, chat and users alike): key expiry is judged
at the input's own log time (`submitted_at`, `sent_at`), never at the wall clock, so a replay
reaches the same verdict. pgpy checks neither revocations nor key flags: a user revokes by
rotating keys, after which only the new key verifies.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

with warnings.catch_warnings():
    # pgpy 0.6 imports the deprecated imghdr module and touches CFB at import time.
    warnings.simplefilter("ignore")
    import pgpy
    from pgpy.constants import PubKeyAlgorithm

from pushnode_shared.protocol.chat import armored_key
from pushnode_validator.domain.ratelimit import micros as micros_of

MIN_RSA_BITS = 2048
_RSA = {PubKeyAlgorithm.RSAEncryptOrSign, PubKeyAlgorithm.RSASign}


class BadKey(ValueError):
    """The registered text is not a usable OpenPGP public key."""


@dataclass(frozen=True)
class KeyFacts:
    """What the fold keeps of a registered key besides its armor."""

    fingerprint: str
    expires_at: datetime | None


def signed_text(identity: str) -> str:
    """What a pgpv4 proof signs: sha256 hex of JS `JSON.stringify({data: identity})`."""
    # JSON.stringify: no spaces, non-ASCII kept as is; its string escapes match json.dumps'.
    message = json.dumps({"data": identity}, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(message.encode()).hexdigest()


@lru_cache(maxsize=1024)
def _load(armor: str) -> pgpy.PGPKey:
    # Parsing an armored key costs more than a verify; a channel signs many notifications.
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            key, _ = pgpy.PGPKey.from_blob(armor)
    except Exception as exc:  # pgpy raises ValueError, PGPError and others for bad input
        raise BadKey(f"not an OpenPGP key: {type(exc).__name__}") from exc
    if not key.is_public:
        raise BadKey("secret key material, not a public key")
    if key.key_algorithm in _RSA and (key.key_size or 0) < MIN_RSA_BITS:
        raise BadKey(f"RSA key of {key.key_size} bits; at least {MIN_RSA_BITS} required")
    return key


def key_facts(public_key: str) -> KeyFacts:
    """Fingerprint and expiry of a registered key (the SDK's JSON wrapper or bare armor)."""
    key = _load(armored_key(public_key))
    return KeyFacts(fingerprint=str(key.fingerprint).replace(" ", ""), expires_at=key.expires_at)


def key_problem(armored: str, at_us: int) -> str | None:
    """Why a submitted key breaks the node's policy at `at_us` (expiry judged at the log's
    time, never the wall clock), or None: public, RSA >= 2048 bits or ECC, not expired."""
    try:
        facts = key_facts(armored)
    except BadKey as exc:
        return str(exc)
    if facts.expires_at is not None and micros_of(facts.expires_at) <= at_us:
        return "key expired"
    return None


def signed_at(signature: str) -> int | None:
    """The creation time a detached armored signature carries (signed, so not alterable), in
    Unix seconds; None when it does not parse. Orders a user's profile updates."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return int(pgpy.PGPSignature.from_blob(signature).created.timestamp())
    except Exception:  # not a signature at all: the judge refuses it on its own terms
        return None


def verify(public_key: str, text: str, signature: str) -> bool:
    """True when `signature` (armored, detached) is by `public_key` or a subkey, over `text`."""
    try:
        key = _load(armored_key(public_key))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return bool(key.verify(text, pgpy.PGPSignature.from_blob(signature)))
    except Exception:  # malformed signature, unknown key id, bad key: all mean "not verified"
        return False


def check(public_key: str, identity: str, signature: str) -> bool:
    """The domain's PgpCheck: a pgpv4 proof of `identity` by `public_key`."""
    return verify(public_key, signed_text(identity), signature)
