"""Notification identity strings, verification proofs and payload JSON (push-protocol §2.4-2.7)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pushnode_shared.infra.untrusted import BadJson, load_json
from pushnode_shared.protocol.events.notifications import RejectReason

# Field limits of the payload standard (reference §2.5).
TITLE_MAX, BODY_MAX, ASUB_MAX, AMSG_MAX = 50, 180, 80, 500
NOTIFICATION_TYPES = {"1": "broadcast", "3": "targeted", "4": "subset"}
# The node's own ceiling on a whole identity / payload (UTF-8 bytes): the standard sets none,
# and the per-field limits above already fit in a few KiB.
PAYLOAD_MAX_BYTES = 16_384
# Verification proofs a signed off-chain notification may carry (reference §2.7): the gateway
# admits, and the validator judges, only these. An on-chain notification's proof is the chain
# itself, `eip155:<chain>:<tx hash>`, which only the validator writes (from the Comm log).
NOTIFICATION_PROOF_KINDS = ("eip712v2", "pgpv4")
CHAIN_PROOF_KIND = "eip155"
_META_TYPE = re.compile(r"[0-9]+\+[0-9]+")
# ASCII digits only: str.isdigit() admits "²", which int() refuses.
_STORAGE_TYPE = re.compile(r"[0-9]{1,3}")


class PayloadError(ValueError):
    """A payload, identity or proof that breaks the standard; carries the reason code."""

    def __init__(self, reason: RejectReason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Proof:
    """A parsed verificationProof: kind (eip712v2, eip155, pgpv4…), body, optional uid."""

    kind: str
    body: str
    uid: str | None


@dataclass(frozen=True)
class Identity:
    """A parsed identity string: its storage type and, when inline, the payload JSON."""

    storage_type: int
    raw: str
    payload: dict[str, Any] | None


def parse_proof(proof: str) -> Proof:
    """Split `<kind>:<body>[::uid::<uid>]`."""
    head, _, uid = proof.partition("::uid::")
    kind, sep, body = head.partition(":")
    if not sep or not kind or not body:
        raise PayloadError(RejectReason.BAD_PROOF_FORMAT, "verificationProof is not <kind>:<body>")
    return Proof(kind=kind, body=body, uid=uid or None)


def parse_identity(identity: str) -> Identity:
    """Parse `<type>+<rest>`; type 2 carries the payload JSON inline."""
    check_size(identity, "identity")
    kind, sep, rest = identity.partition("+")
    if not sep or not _STORAGE_TYPE.fullmatch(kind):
        raise PayloadError(RejectReason.BAD_IDENTITY, "identity is not <type>+<rest>")
    storage_type = int(kind)
    if storage_type == 2:
        return Identity(2, identity, _parse_json_payload(rest))
    if storage_type == 0:
        return Identity(0, identity, _minimal_payload(rest))
    if storage_type in (1, 3):
        return Identity(storage_type, identity, None)
    raise PayloadError(RejectReason.BAD_IDENTITY, f"unknown identity type {storage_type}")


def check_size(text: str | bytes, what: str) -> None:
    """PAYLOAD_TOO_LARGE when the text is over PAYLOAD_MAX_BYTES once encoded."""
    size = len(text.encode()) if isinstance(text, str) else len(text)
    if size > PAYLOAD_MAX_BYTES:
        raise PayloadError(
            RejectReason.PAYLOAD_TOO_LARGE, f"{what} is {size} bytes, over {PAYLOAD_MAX_BYTES}"
        )


def parse_payload_json(text: str) -> dict[str, Any]:
    """A payload JSON document (an inline type-2 identity, or one fetched from IPFS), checked."""
    check_size(text, "payload")
    return _parse_json_payload(text)


def _parse_json_payload(text: str) -> dict[str, Any]:
    try:
        payload = load_json(text)
    except BadJson as exc:
        raise PayloadError(RejectReason.BAD_PAYLOAD, f"payload is not JSON: {exc}") from exc
    if not isinstance(payload, dict):
        raise PayloadError(RejectReason.BAD_PAYLOAD, "payload is not a JSON object")
    check_payload(payload)
    return payload


def _minimal_payload(rest: str) -> dict[str, Any]:
    parts = rest.split("+", 2)
    if len(parts) != 3:
        raise PayloadError(RejectReason.BAD_IDENTITY, "minimal identity is 0+<type>+<title>+<body>")
    ntype, title, body = parts
    payload = {"notification": {"title": title, "body": body}, "data": {"type": ntype}}
    check_payload(payload)
    return payload


def check_payload(payload: dict[str, Any]) -> None:
    """Required fields, types and lengths of the payload standard."""
    notification = payload.get("notification")
    data = payload.get("data")
    if not isinstance(notification, dict) or not isinstance(data, dict):
        raise PayloadError(RejectReason.BAD_PAYLOAD, "payload needs notification and data objects")
    _check_str(notification, "title", TITLE_MAX, required=True)
    _check_str(notification, "body", BODY_MAX, required=True)
    _check_str(data, "asub", ASUB_MAX, required=False)
    _check_str(data, "amsg", AMSG_MAX, required=False)
    if str(data.get("type")) not in NOTIFICATION_TYPES:
        raise PayloadError(RejectReason.BAD_PAYLOAD, "data.type must be 1, 3 or 4")
    _check_additional_meta(data.get("additionalMeta"))


def _check_additional_meta(meta: Any) -> None:
    # Legacy SDKs sent a plain string; today it is {type: "<type>+<version>", data, domain?}.
    if meta is None or isinstance(meta, str):
        return
    if not isinstance(meta, dict):
        raise PayloadError(RejectReason.BAD_PAYLOAD, "additionalMeta must be an object")
    kind = meta.get("type")
    if not isinstance(kind, str) or not _META_TYPE.fullmatch(kind):
        raise PayloadError(RejectReason.BAD_PAYLOAD, "additionalMeta.type must be <type>+<version>")
    if not isinstance(meta.get("data"), str):
        raise PayloadError(RejectReason.BAD_PAYLOAD, "additionalMeta.data must be a string")
    if not isinstance(meta.get("domain", ""), str):
        raise PayloadError(RejectReason.BAD_PAYLOAD, "additionalMeta.domain must be a string")


def _check_str(obj: dict[str, Any], field: str, limit: int, *, required: bool) -> None:
    value = obj.get(field)
    if value is None and not required:
        return
    if not isinstance(value, str):
        raise PayloadError(RejectReason.BAD_PAYLOAD, f"{field} must be a string")
    if len(value) > limit:
        raise PayloadError(RejectReason.BAD_PAYLOAD, f"{field} is longer than {limit} characters")
