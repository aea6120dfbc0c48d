"""Example payloads of the chat events, for the envelope round-trip test."""

from __future__ import annotations

from typing import Any

_DID_A, _DID_B = "eip155:0xA", "eip155:0xB"
_AT = "2026-01-01T00:00:00Z"
# Who a chat event is between: A writes to B.
_BETWEEN = {"conversation": f"{_DID_A}+{_DID_B}", "from_did": _DID_A, "to_did": _DID_B}

CHAT_EXAMPLES: dict[str, dict[str, Any]] = {
    "UserRegistered": {
        "did": _DID_A,
        "caip10": _DID_A,
        "public_key": "",
        "encrypted_private_key": "",
        "verification_proof": "",
        "origin": None,
        "registered_at": _AT,
    },
    "UserKeysRotated": {
        "did": _DID_A,
        "public_key": "k",
        "encrypted_private_key": "{}",
        "verification_proof": "eip191v2:0x",
        "rotated_at": _AT,
    },
    "UserProfileUpdated": {"did": _DID_A, "profile": {"name": "A"}, "updated_at": _AT},
    "UserRegistrationSubmitted": {
        "did": _DID_A,
        "caip10": _DID_A,
        "public_key": "k",
        "encrypted_private_key": "{}",
        "verification_proof": "eip191v2:0x",
        "origin": None,
        "signed": {"caip10": _DID_A, "did": _DID_A},
        "submitted_at": _AT,
    },
    "UserKeysRotationSubmitted": {
        "did": _DID_A,
        "public_key": "k",
        "encrypted_private_key": "{}",
        "verification_proof": "eip191v2:0x",
        "signed": {"did": _DID_A},
        "submitted_at": _AT,
    },
    "UserProfileSubmitted": {"did": _DID_A, "profile": {"name": "A"}, "submitted_at": _AT},
    "UserInputRefused": {
        "input_id": "i",
        "kind": "profile",
        "did": _DID_A,
        "reason": "PROFILE_OUTDATED",
        "detail": "signed no later than the profile in force",
    },
    "ChatMessageSent": {
        "message_id": "m",
        **_BETWEEN,
        "intent": True,
        "message": {"messageObj": "U2FsdGVkX1"},
        "sent_at": _AT,
        "accepted": False,
    },
    "ChatMessageStored": {
        "message_id": "m",
        **_BETWEEN,
        "intent": False,
        "cid": "bafk",
        "link": None,
        "message": {"messageObj": "U2FsdGVkX1"},
        "accepted": True,
    },
    "ChatRequestAccepted": {
        **_BETWEEN,
        "verification_proof": "pgp:sig",
        "accepted_at": _AT,
    },
    "ChatRequestRejected": {
        **_BETWEEN,
        "verification_proof": "pgp:sig",
        "rejected_at": _AT,
    },
    "ChatMessageAccepted": {
        "message_id": "m",
        **_BETWEEN,
        "intent": True,
        "message": {"messageObj": "U2FsdGVkX1"},
        "sent_at": _AT,
        "accepted": False,
        "signing_key": "ABCD",
    },
    "ChatRequestAnswered": {
        "input_id": "e",
        **_BETWEEN,
        "status": "approved",
        "answered_at": _AT,
    },
    "ChatInputRefused": {
        "input_id": "e",
        "kind": "message",
        **_BETWEEN,
        "reason": "BLOCKED",
        "detail": "the receiver has blocked this sender",
        "message_id": "m",
    },
}
