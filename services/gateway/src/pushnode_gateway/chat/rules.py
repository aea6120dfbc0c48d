"""Pure chat rules: what each signature covers, and who may do what in a conversation.

No I/O: routes load the rows, call these, and turn a ChatRefused into a 4xx.
"""

from __future__ import annotations

from typing import Any

from pushnode_shared.protocol.chat import armored_key, sdk_hash

PGP_ARMOR = "-----BEGIN PGP PUBLIC KEY BLOCK-----"
PRIVATE_ARMOR = "PRIVATE KEY BLOCK-----"
ENC_TYPES = ("pgp", "PlainText")


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


def message_hash(body: dict[str, Any]) -> str:
    """pgpv3 covers these fields; toDID is the sender's DID (an SDK quirk kept as is)."""
    return sdk_hash(
        {
            "fromDID": body.get("fromDID"),
            "toDID": body.get("fromDID"),
            "fromCAIP10": body.get("fromCAIP10"),
            "toCAIP10": body.get("toCAIP10"),
            "messageObj": body.get("messageObj"),
            "messageType": body.get("messageType"),
            "encType": body.get("encType"),
            "sessionKey": body.get("sessionKey"),
            "encryptedSecret": body.get("encryptedSecret"),
        }
    )


def message_signed_text(body: dict[str, Any]) -> tuple[str, str]:
    """(signed text, armored signature) of a message: pgpv3 proof, or legacy `pgp` signature."""
    proof = body.get("verificationProof")
    if proof:
        _, signature = split_proof(str(proof), ("pgpv3",))
        return message_hash(body), signature
    if body.get("sigType") == "pgp" and body.get("signature"):
        return str(body.get("messageContent", "")), str(body["signature"])
    raise ChatRefused(400, "BAD_PROOF_FORMAT", "a message needs a pgpv3 verificationProof")


def check_encryption(enc_type: str, receiver: dict[str, Any] | None) -> None:
    """Ciphertext to users with keys; plaintext only to users without (stubs)."""
    if enc_type not in ENC_TYPES:
        raise ChatRefused(400, "UNSUPPORTED_ENC_TYPE", f"encType {enc_type!r} (1:1 chat only)")
    if enc_type == "PlainText" and has_keys(receiver):
        raise ChatRefused(
            400, "PLAINTEXT_TO_KEYED_USER", "the receiver has PGP keys: encrypt the message"
        )
    if enc_type == "pgp" and not has_keys(receiver):
        raise ChatRefused(400, "RECEIVER_HAS_NO_KEYS", "the receiver has no PGP key")


def check_not_blocked(sender: str, receiver: dict[str, Any] | None) -> None:
    """A receiver's block list keeps the sender from opening requests or writing."""
    blocked = (receiver or {}).get("profile", {}).get("blockedUsersList") or []
    # Entries may be DIDs, CAIP-10 with a chain, or bare addresses: compare the wallets.
    if sender.split(":")[-1].lower() in {str(b).split(":")[-1].lower() for b in blocked}:
        raise ChatRefused(403, "BLOCKED", "the receiver has blocked this sender")


def check_request(thread: dict[str, Any] | None) -> None:
    """A request opens a conversation that does not exist (or was rejected)."""
    if thread is not None and thread["status"] != "rejected":
        raise ChatRefused(409, "CHAT_EXISTS", "this conversation exists: POST /v1/chat/message")


def check_message(thread: dict[str, Any] | None, sender: str) -> None:
    """Messages go into an existing conversation; the receiver writes only once accepted."""
    if thread is None or thread["status"] == "rejected":
        raise ChatRefused(
            403, "NOT_A_PARTICIPANT", "no conversation between these DIDs: send a request first"
        )
    if thread["status"] == "pending" and thread["intent_sent_by"] != sender:
        raise ChatRefused(403, "REQUEST_NOT_ACCEPTED", "accept the request before replying")


def check_answer(thread: dict[str, Any] | None, requester: str, answerer: str) -> None:
    """Only the receiver of a pending request may accept or reject it."""
    if thread is None or thread["status"] != "pending":
        raise ChatRefused(404, "NO_PENDING_REQUEST", "no pending request between these DIDs")
    if thread["intent_sent_by"] != requester or thread["intent_to"] != answerer:
        raise ChatRefused(403, "NOT_REQUEST_RECEIVER", "only the request's receiver may answer")
