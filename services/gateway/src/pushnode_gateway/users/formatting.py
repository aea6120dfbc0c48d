"""Pure: a Push profile row as the SDK reads it (IUser)."""

from __future__ import annotations

from typing import Any

# The SDK shows this as the number of messages the node keeps per user; this node keeps all.
MAX_MSG_PERSISTED = 1_000_000


def user_public(row: dict[str, Any]) -> dict[str, Any]:
    """IUser as GET /v2/users/ answers it (wallets is the signed caip10, as the SDK checks)."""
    return {
        "did": row["did"],
        "wallets": row["caip10"],
        "publicKey": row["public_key"],
        "encryptedPrivateKey": row["encrypted_private_key"],
        "verificationProof": row["verification_proof"],
        "profile": row["profile"],
        "msgSent": row["msg_sent"],
        "maxMsgPersisted": MAX_MSG_PERSISTED,
        "origin": row["origin"],
    }
