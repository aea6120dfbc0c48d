"""Pure chat rules: what each signature covers, and who may do what in a 1:1 conversation.

The handler loads the view (conversation, both parties' keys and the receiver's block list
in force when the input was sent) and records what `judge_message` / `judge_answer` return:
an acceptance, or a refusal with a machine-readable reason (ChatRefusalReason).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from pushnode_shared.protocol.chat import sdk_hash
from pushnode_validator.domain.keys import RegisteredKey

PGP_ARMOR = "-----BEGIN PGP PUBLIC KEY BLOCK-----"
ENC_TYPES = ("pgp", "PlainText")


class SignatureCheck(Protocol):
    """True when an armored detached `signature` over `text` is by `public_key` (adapters/pgp)."""

    def __call__(self, public_key: str, text: str, signature: str) -> bool: ...


@dataclass(frozen=True)
class Thread:
    """A 1:1 conversation as the validator's fold knows it."""

    status: str  # pending, approved or rejected
    intent_sent_by: str
    intent_to: str


@dataclass(frozen=True)
class ChatView:
    """What judging one input needs, as of the moment it was sent (`at_us`)."""

    thread: Thread | None
    sender_key: RegisteredKey | None
    receiver_key: RegisteredKey | None
    blocked: tuple[str, ...]
    at_us: int


@dataclass(frozen=True)
class Refusal:
    """A refused input: reason code and a human detail."""

    reason: str
    detail: str


@dataclass(frozen=True)
class Accepted:
    """An accepted input: the signer's key fingerprint; `approved`: the receiver had accepted."""

    signing_key: str
    approved: bool


def usable(key: RegisteredKey | None, at_us: int) -> bool:
    """A registered PGP public key (not a key-less stub), not expired at `at_us`."""
    if key is None or PGP_ARMOR not in key.public_key:
        return False
    return key.expires_us is None or key.expires_us > at_us


def split_proof(proof: str, allowed: tuple[str, ...]) -> str | Refusal:
    """The signature of `<type>:<signature>` (it may itself contain colons), or a refusal."""
    kind, _, signature = proof.partition(":")
    if kind not in allowed or not signature:
        return Refusal("BAD_PROOF_FORMAT", f"verificationProof must be {'|'.join(allowed)}")
    return signature


def message_hash(message: dict[str, Any]) -> str:
    """pgpv3 covers these fields; toDID is the sender's DID (an SDK quirk kept as is)."""
    return sdk_hash(
        {
            "fromDID": message.get("fromDID"),
            "toDID": message.get("fromDID"),
            "fromCAIP10": message.get("fromCAIP10"),
            "toCAIP10": message.get("toCAIP10"),
            "messageObj": message.get("messageObj"),
            "messageType": message.get("messageType"),
            "encType": message.get("encType"),
            "sessionKey": message.get("sessionKey"),
            "encryptedSecret": message.get("encryptedSecret"),
        }
    )


def signed_text(message: dict[str, Any]) -> tuple[str, str] | Refusal:
    """(signed text, armored signature): a pgpv3 proof, or the legacy `pgp` signature."""
    proof = message.get("verificationProof")
    if proof:
        signature = split_proof(str(proof), ("pgpv3",))
        return signature if isinstance(signature, Refusal) else (message_hash(message), signature)
    if message.get("sigType") == "pgp" and message.get("signature"):
        return str(message.get("messageContent", "")), str(message["signature"])
    return Refusal("BAD_PROOF_FORMAT", "a message needs a pgpv3 verificationProof")


def _encryption(enc_type: str, view: ChatView) -> Refusal | None:
    if enc_type not in ENC_TYPES:
        return Refusal("UNSUPPORTED_ENC_TYPE", f"encType {enc_type[:32]!r} (1:1 chat only)")
    keyed = usable(view.receiver_key, view.at_us)
    if enc_type == "PlainText" and keyed:
        return Refusal("PLAINTEXT_TO_KEYED_USER", "the receiver has PGP keys: encrypt the message")
    if enc_type == "pgp" and not keyed:
        return Refusal("RECEIVER_HAS_NO_KEYS", "the receiver has no PGP key")
    return None


def _blocked(sender: str, view: ChatView) -> Refusal | None:
    # Entries may be DIDs, CAIP-10 with a chain, or bare addresses: compare the wallets.
    if sender.split(":")[-1].lower() in {str(b).split(":")[-1].lower() for b in view.blocked}:
        return Refusal("BLOCKED", "the receiver has blocked this sender")
    return None


def _conversation(intent: bool, sender: str, thread: Thread | None) -> Refusal | None:
    if intent:  # a request opens a conversation that does not exist (or was rejected)
        if thread is not None and thread.status != "rejected":
            return Refusal("CHAT_EXISTS", "this conversation exists: POST /v1/chat/message")
        return None
    if thread is None or thread.status == "rejected":
        return Refusal("NOT_A_PARTICIPANT", "no conversation between these DIDs: request first")
    if thread.status == "pending" and thread.intent_sent_by != sender:
        return Refusal("REQUEST_NOT_ACCEPTED", "accept the request before replying")
    return None


def judge_message(
    message: dict[str, Any], sender: str, intent: bool, view: ChatView, verify: SignatureCheck
) -> Accepted | Refusal:
    """A request (`intent`) or a message: keys, encryption, block list, state, signature."""
    if not usable(view.sender_key, view.at_us):
        return Refusal("SENDER_HAS_NO_KEYS", f"{sender} has no usable registered PGP key")
    assert view.sender_key is not None
    refusal = (
        _encryption(str(message.get("encType")), view)
        or _blocked(sender, view)
        or _conversation(intent, sender, view.thread)
    )
    if refusal is not None:
        return refusal
    signed = signed_text(message)
    if isinstance(signed, Refusal):
        return signed
    if not verify(view.sender_key.public_key, *signed):
        return Refusal("INVALID_SIGNATURE", "the PGP signature is not the sender's")
    approved = view.thread is not None and view.thread.status == "approved"
    return Accepted(view.sender_key.fingerprint, approved)


def judge_answer(
    signed: dict[str, Any],
    proof: str,
    requester: str,
    answerer: str,
    view: ChatView,
    verify: SignatureCheck,
) -> Accepted | Refusal:
    """Only the receiver of a pending request may accept or reject it, pgp-signing `signed`."""
    thread = view.thread
    if thread is None or thread.status != "pending":
        return Refusal("NO_PENDING_REQUEST", "no pending request between these DIDs")
    if thread.intent_sent_by != requester or thread.intent_to != answerer:
        return Refusal("NOT_REQUEST_RECEIVER", "only the request's receiver may answer")
    signature = split_proof(proof, ("pgp",))
    if isinstance(signature, Refusal):
        return signature
    key = view.sender_key
    if key is None or not usable(key, view.at_us):
        return Refusal("INVALID_SIGNATURE", "the receiver has no usable registered PGP key")
    if not verify(key.public_key, sdk_hash(signed), signature):
        return Refusal("INVALID_SIGNATURE", "the PGP signature is not the receiver's")
    return Accepted(key.fingerprint, approved=True)


def after_message(thread: Thread | None, sender: str, receiver: str, intent: bool) -> Thread | None:
    """The conversation once an accepted message is in: a request (re)opens it pending."""
    if intent and (thread is None or thread.status == "rejected"):
        return Thread("pending", sender, receiver)
    return thread
