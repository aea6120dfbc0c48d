"""What one client input is, wherever it enters: its canonical bytes and its input id.

A node record carries one input: `kind` (the submission's event type) and `input`, the
canonical JSON of the fields the client sent (never node-local ones such as a receive time or
a locally derived id). The input id is a hash of what the CLIENT signed, so one input posted
to two nodes is one input everywhere:

| kind | input id = sha256 of the canonical JSON of |
|---|---|
| NotificationSubmitted | kind, identity, sender (lower case), proof kind, proof signature |
| SubscriptionSubmitted | kind, message, proof kind, signature |
| UserRegistrationSubmitted, UserKeysRotationSubmitted | kind, did (lower case), proof |
| ChatRequestAccepted, ChatRequestRejected | kind, conversation, verification proof |
| ChatMessageSent | kind, the message object as the sender signed it |
| ContentUploaded | kind, cid |

"Proof signature" drops the unsigned `::uid::<uid>` tail of a notification proof, and every
65-byte ECDSA signature (eip712v2, eip155, eip191v2, v1 typed data) is normalised to low s,
v in {27, 28}, lower-case hex: its high-s twin (which recovers to the same signer) is the same
input. The recipient of a notification is not signed by the SDK, so it is not in the id: two
copies that differ only there are one input, and the first in the network's order wins.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from pushnode_shared.infra.untrusted import BadJson, load_json
from pushnode_shared.protocol.network.keys import SECP256K1_N

MAX_INPUT_BYTES = 256 * 1024


class BadInput(ValueError):
    """Input bytes that are not a known kind's canonical JSON, or lack a signed field."""


def canonical_json(value: Any) -> bytes:
    """The one byte string a JSON value hashes as: sorted keys, no spaces, UTF-8."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode()


def sha256_hex(data: bytes) -> str:
    """Lower-case hex sha256."""
    return hashlib.sha256(data).hexdigest()


def normalise_signature(signature: str) -> str:
    """A 65-byte ECDSA signature as lower-case low-s hex with v 27/28; anything else as given."""
    body = signature.strip()
    try:
        raw = bytes.fromhex(body.removeprefix("0x"))
    except ValueError:
        return body
    if len(raw) != 65:
        return body
    r, s, v = raw[:32], int.from_bytes(raw[32:64], "big"), raw[64]
    v = v - 27 if v in (27, 28) else v % 2
    if s > SECP256K1_N // 2:  # the twin (r, n - s) recovers the same key with the other parity
        s, v = SECP256K1_N - s, 1 - v
    return "0x" + (r + s.to_bytes(32, "big") + bytes((v + 27,))).hex()


def proof_signature(proof: str) -> tuple[str, str]:
    """(proof kind, normalised signature) of `<kind>:<body>[::uid::…]`; the uid is unsigned."""
    head = proof.partition("::uid::")[0]
    kind, sep, body = head.partition(":")
    if not sep or not kind:
        raise BadInput("verification proof is not <kind>:<body>")
    return kind, normalise_signature(body)


def _text(fields: dict[str, Any], name: str) -> str:
    value = fields.get(name)
    if not isinstance(value, str) or not value:
        raise BadInput(f"input lacks the text field {name!r}")
    return value


def _notification(fields: dict[str, Any]) -> list[Any]:
    kind, signature = proof_signature(_text(fields, "verification_proof"))
    return [_text(fields, "identity"), _text(fields, "sender").lower(), kind, signature]


def _subscription(fields: dict[str, Any]) -> list[Any]:
    signature = normalise_signature(_text(fields, "signature"))
    return [_text(fields, "message"), _text(fields, "proof_kind"), signature]


def _user(fields: dict[str, Any]) -> list[Any]:
    return [_text(fields, "did").lower(), _text(fields, "verification_proof")]


def _chat_answer(fields: dict[str, Any]) -> list[Any]:
    return [_text(fields, "conversation"), _text(fields, "verification_proof")]


def _chat_message(fields: dict[str, Any]) -> list[Any]:
    message = fields.get("message")
    if not isinstance(message, dict):
        raise BadInput("input lacks the message object")
    return [message]


def _upload(fields: dict[str, Any]) -> list[Any]:
    return [_text(fields, "cid")]


SIGNED_PARTS: dict[str, Callable[[dict[str, Any]], list[Any]]] = {
    "NotificationSubmitted": _notification,
    "SubscriptionSubmitted": _subscription,
    "UserRegistrationSubmitted": _user,
    "UserKeysRotationSubmitted": _user,
    "ChatRequestAccepted": _chat_answer,
    "ChatRequestRejected": _chat_answer,
    "ChatMessageSent": _chat_message,
    "ContentUploaded": _upload,
}


def read_input(kind: str, data: str) -> dict[str, Any]:
    """The fields of an input; BadInput unless it is a known kind's canonical JSON object."""
    if kind not in SIGNED_PARTS:
        raise BadInput(f"unknown input kind {kind[:64]!r}")
    if len(data.encode()) > MAX_INPUT_BYTES:
        raise BadInput(f"input is over {MAX_INPUT_BYTES} bytes")
    try:
        fields = load_json(data)
    except BadJson as exc:
        raise BadInput(f"input is not JSON: {exc}") from exc
    try:
        canonical = isinstance(fields, dict) and canonical_json(fields).decode() == data
    except UnicodeEncodeError as exc:  # a lone surrogate escaped in the JSON text
        raise BadInput("input holds text that is not Unicode") from exc
    if not canonical or not isinstance(fields, dict):
        raise BadInput("input is not a canonical JSON object")
    return dict(fields)


def input_id(kind: str, data: str) -> str:
    """The input id of canonical input JSON (see the module docstring); BadInput if none."""
    fields = read_input(kind, data)
    return sha256_hex(canonical_json([kind, *SIGNED_PARTS[kind](fields)]))


def encode_input(kind: str, fields: dict[str, Any]) -> tuple[str, str]:
    """(canonical text, input id) for fields of a known kind (the origin's side)."""
    try:
        data = canonical_json(fields).decode()
    except UnicodeEncodeError as exc:
        raise BadInput("input holds text that is not Unicode") from exc
    return data, input_id(kind, data)
