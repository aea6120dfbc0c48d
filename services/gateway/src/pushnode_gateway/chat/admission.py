"""Pure admission of chat writes: the stateless checks, and the validator's reasons as HTTP.

The gateway checks only what needs no state (the proof's format, the encryption type the
node carries); the validator judges the rest (keys, block lists, the conversation's state,
the signature) and the write route answers its refusal with the status below.
"""

from __future__ import annotations

from typing import Any

from pushnode_gateway.errors import ApiError

ENC_TYPES = ("pgp", "PlainText")
# The validator's refusal reasons -> the HTTP status the gateway always answered them with.
REFUSAL_STATUS: dict[str, int] = {
    "SENDER_HAS_NO_KEYS": 403,
    "RECEIVER_HAS_NO_KEYS": 400,
    "PLAINTEXT_TO_KEYED_USER": 400,
    "UNSUPPORTED_ENC_TYPE": 400,
    "BAD_PROOF_FORMAT": 400,
    "BLOCKED": 403,
    "CHAT_EXISTS": 409,
    "NOT_A_PARTICIPANT": 403,
    "REQUEST_NOT_ACCEPTED": 403,
    "NO_PENDING_REQUEST": 404,
    "NOT_REQUEST_RECEIVER": 403,
    "INVALID_SIGNATURE": 403,
    # The validator's UserRefusalReason (profile writes).
    "USER_EXISTS": 409,
    "USER_NOT_FOUND": 404,
    "BAD_PGP_KEY": 400,
    "PLAINTEXT_PRIVATE_KEY": 400,
    "BAD_SIGNATURE": 400,
    "SIGNER_NOT_WALLET": 403,
    "KEY_SUPERSEDED": 409,
    "PROFILE_REPLAYED": 409,
    "PROFILE_OUTDATED": 409,
}


def refusal_error(reason: str, detail: str) -> ApiError:
    """The validator's refusal as the API's error (an unknown reason is a 403)."""
    return ApiError(REFUSAL_STATUS.get(reason, 403), reason, detail)


def proof_signature(proof: str, allowed: tuple[str, ...]) -> str:
    """The signature of `<type>:<signature>`; 400 BAD_PROOF_FORMAT otherwise."""
    kind, _, signature = proof.partition(":")
    if kind not in allowed or not signature:
        raise ApiError(400, "BAD_PROOF_FORMAT", f"verificationProof must be {'|'.join(allowed)}")
    return signature


def message_signature(body: dict[str, Any]) -> str:
    """The signature a message carries: a pgpv3 proof, or the legacy `pgp` one; 400 if none."""
    encryption = str(body.get("encType"))
    if encryption not in ENC_TYPES:
        raise ApiError(400, "UNSUPPORTED_ENC_TYPE", f"encType {encryption[:32]!r} (1:1 chat only)")
    proof = body.get("verificationProof")
    if proof:
        return proof_signature(str(proof), ("pgpv3",))
    if body.get("sigType") == "pgp" and body.get("signature"):
        return str(body["signature"])
    raise ApiError(400, "BAD_PROOF_FORMAT", "a message needs a pgpv3 verificationProof")
