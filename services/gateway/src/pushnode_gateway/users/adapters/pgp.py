"""OpenPGP signature checks behind a small port; pgpy is today's adapter.

Key-validity policy (pgpy checks neither revocations nor key flags, so the node states its
own): a registered key must be an OpenPGP *public* key (secret key material is refused, the
node never holds a plaintext private key), RSA of at least 2048 bits or an ECC key, not
expired. A signature counts only when it was made by that primary key or one of its subkeys
and verifies over the exact text. Revocation signatures are not consulted: a user revokes by
rotating keys (PUT /v2/users/{did}/auth), after which only the new key verifies.
"""

from __future__ import annotations

import warnings
from functools import lru_cache
from typing import Protocol

with warnings.catch_warnings():
    # pgpy 0.6 imports the deprecated imghdr module and touches CFB at import time.
    warnings.simplefilter("ignore")
    import pgpy
    from pgpy.constants import PubKeyAlgorithm

MIN_RSA_BITS = 2048
_RSA = {PubKeyAlgorithm.RSAEncryptOrSign, PubKeyAlgorithm.RSASign}


class BadKey(ValueError):
    """The text is not a usable OpenPGP public key under the node's policy."""


class SignatureVerifier(Protocol):
    """Checks a detached, armored OpenPGP signature over a text."""

    def check_key(self, public_key: str) -> None:
        """Raise BadKey when the armored key breaks the key-validity policy."""

    def verify(self, public_key: str, text: str, signature: str) -> bool:
        """True when `signature` is a valid signature over `text` by `public_key`."""


@lru_cache(maxsize=4096)
def _load_key(armored: str) -> pgpy.PGPKey:
    # Parsing an armored key costs more than a verify; users send many messages per key.
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            key, _ = pgpy.PGPKey.from_blob(armored)
    except Exception as exc:  # pgpy raises ValueError, PGPError and others for bad input
        raise BadKey(f"not an OpenPGP key: {type(exc).__name__}") from exc
    return key


def _check_policy(key: pgpy.PGPKey) -> None:
    if not key.is_public:
        raise BadKey("secret key material: only public keys are registered")
    if key.key_algorithm in _RSA and (key.key_size or 0) < MIN_RSA_BITS:
        raise BadKey(f"RSA key of {key.key_size} bits; at least {MIN_RSA_BITS} required")
    if key.is_expired:
        raise BadKey("key expired")


class PgpyVerifier:
    """SignatureVerifier on pgpy (pure Python OpenPGP over `cryptography`)."""

    def check_key(self, public_key: str) -> None:
        _check_policy(_load_key(public_key))

    def verify(self, public_key: str, text: str, signature: str) -> bool:
        try:
            key = _load_key(public_key)
            _check_policy(key)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                parsed = pgpy.PGPSignature.from_blob(signature)
                return bool(key.verify(text, parsed))
        except Exception:  # malformed signature, wrong key id, policy: all mean "not verified"
            return False


def signed_at(signature: str) -> int | None:
    """The creation time a detached armored signature carries (signed, so not alterable), in
    Unix seconds; None when it does not parse. Orders a user's profile updates."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return int(pgpy.PGPSignature.from_blob(signature).created.timestamp())
    except Exception:  # not a signature at all: the route refuses it on its own terms
        return None
