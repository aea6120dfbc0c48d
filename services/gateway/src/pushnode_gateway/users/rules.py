"""Pure rules of Push profiles: what a registration signs, which keys are real, proof formats.

No I/O: routes load the rows, call these, and turn a ChatRefused into a 4xx. (Chat itself is
judged by the validator; these still judge profiles at the edge until that moves too.)
"""

from __future__ import annotations

from typing import Any

from pushnode_shared.protocol.chat import armored_key, sdk_hash

PGP_ARMOR = "-----BEGIN PGP PUBLIC KEY BLOCK-----"
PRIVATE_ARMOR = "PRIVATE KEY BLOCK-----"


class ChatRefused(Exception):
    """A request the rules refuse: HTTP status, machine-readable reason, message."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status, self.reason, self.message = status, reason, message


def split_proof(proof: str, allowed: tuple[str, ...]) -> tuple[str, str]:
    """`<type>:<signature>` -> (type, signature); the signature may itself contain colons."""
    kind, _, signature = proof.partition(":")
    if kind not in allowed or not signature:
        raise ChatRefused(400, "BAD_PROOF_FORMAT", f"verificationProof must be {'|'.join(allowed)}")
    return kind, signature


def has_keys(user: dict[str, Any] | None) -> bool:
    """A registered user with a PGP public key (not a stub)."""
    return user is not None and PGP_ARMOR in armored_key(user["public_key"])


def registration_hash(body: dict[str, Any]) -> str:
    """What the wallet personal_signs (eip191v2) to register or rotate its keys."""
    return sdk_hash(
        {
            "caip10": body["caip10"],
            "did": body["did"],
            "publicKey": body["publicKey"],
            "encryptedPrivateKey": body["encryptedPrivateKey"],
        }
    )


def refuse_plaintext_private_key(encrypted_private_key: str) -> None:
    """The node must never hold a private key in the clear."""
    if PRIVATE_ARMOR in encrypted_private_key:
        raise ChatRefused(
            400, "PLAINTEXT_PRIVATE_KEY", "encryptedPrivateKey holds an unencrypted PGP key"
        )
