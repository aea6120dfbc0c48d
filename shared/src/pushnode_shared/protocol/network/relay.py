"""Between the log and the network: a locally admitted submission as a record's input, and a
relayed record's input as the submission the validator reads, with the same ids everywhere.

A local submission is any replicated submission whose envelope was not produced by the
network (relayed envelopes say `producer="network"` and name their record's hash as
`causation_id`), so a relayed input is never recorded again. What a node adds locally (its
receive time, the notification id it derives) is dropped from the input and rebuilt from the
record on every node: the receive time is the origin's, so it is the same everywhere.

Replicated so far: notifications, gasless opt-ins/opt-outs and IPFS uploads. Chat and Push-user
inputs have input ids (network.inputs) and are judged by the validator now; relaying them is
the next step (KINDS below).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pushnode_shared.infra.envelope import Envelope, derive_id
from pushnode_shared.protocol.caip import BadAddress, parse_account
from pushnode_shared.protocol.events import (
    ContentUploaded,
    NotificationSubmitted,
    SubscriptionSubmitted,
)
from pushnode_shared.protocol.events.base import Event, wrap
from pushnode_shared.protocol.network.inputs import BadInput, encode_input, read_input
from pushnode_shared.protocol.network.records import NodeRecord
from pushnode_shared.protocol.payloads import PayloadError, parse_identity, parse_proof
from pushnode_shared.protocol.topics import PROTOCOL_INPUTS, UPLOADS, Topic

NETWORK_PRODUCER = "network"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Kind:
    """One replicated submission type: its topic and the node-local fields it carries."""

    event: type[Event]
    topic: Topic
    local: tuple[str, ...]


KINDS: dict[str, Kind] = {
    "NotificationSubmitted": Kind(
        NotificationSubmitted, PROTOCOL_INPUTS, ("notification_id", "submitted_at")
    ),
    "SubscriptionSubmitted": Kind(SubscriptionSubmitted, PROTOCOL_INPUTS, ("submitted_at",)),
    "ContentUploaded": Kind(ContentUploaded, UPLOADS, ("uploaded_at",)),
}
INPUT_TOPICS: tuple[Topic, ...] = (PROTOCOL_INPUTS, UPLOADS)


def input_of(envelope: Envelope) -> tuple[str, str, int] | None:
    """(kind, canonical input, receive time in µs) of a locally admitted submission, else None."""
    kind = KINDS.get(envelope.type)
    if kind is None or envelope.producer == NETWORK_PRODUCER:
        return None
    fields = {k: v for k, v in envelope.payload.items() if k not in kind.local}
    try:
        data, _ = encode_input(envelope.type, fields)
        event = kind.event.model_validate(envelope.payload)
    except ValueError:  # BadInput, or a payload that is not its type: nothing to record
        return None
    stamps = [getattr(event, n) for n in kind.local if n.endswith("_at")]
    at = stamps[0] if stamps else envelope.occurred_at
    return envelope.type, data, (at - EPOCH) // timedelta(microseconds=1)


def relayed(record: NodeRecord) -> tuple[Topic, Envelope]:
    """The submission a relayed record's input becomes, on its own topic (BadInput if none)."""
    kind = KINDS.get(record.kind)
    if kind is None:
        raise BadInput(f"input kind {record.kind[:64]!r} is not relayed")
    fields: dict[str, Any] = read_input(record.kind, record.input)
    received = EPOCH + timedelta(microseconds=record.received_at)
    local: dict[str, Any] = {name: received for name in kind.local if name.endswith("_at")}
    if "notification_id" in kind.local:  # as the origin's gateway derived it
        local["notification_id"] = derive_id("notification", str(fields.get("verification_proof")))
    try:
        event = kind.event.model_validate(fields | local)
    except ValueError as exc:
        raise BadInput(f"input is not a {record.kind}: {str(exc)[:200]}") from exc
    envelope = wrap(
        event,
        producer=NETWORK_PRODUCER,
        event_id=derive_id("relayed", record.input_id),
        causation_id=record.hash,
        occurred_at=received,
    )
    return kind.topic, envelope


def admission_problem(kind: str, data: str) -> str | None:
    """The stateless admission checks every gateway makes (shape, proof format, identity).

    A record whose input fails them proves its origin admitted what no honest node admits.
    Checks that depend on state (is the signer the channel or its delegate?) stay with the
    validator: a node whose chain view lags could refuse for a reason the origin could not see.
    """
    if kind != "NotificationSubmitted":
        return None
    try:
        fields = read_input(kind, data)
        proof = parse_proof(str(fields.get("verification_proof")))
        parse_identity(str(fields.get("identity")))
        parse_account(str(fields.get("sender")))
    except (BadInput, PayloadError, BadAddress) as exc:
        return f"NOT_ADMISSIBLE: {str(exc)[:200]}"
    if proof.kind not in ("eip712v2", "pgpv4"):
        return f"UNSUPPORTED_PROOF: {proof.kind[:32]}"
    if proof.kind == "eip712v2" and not _is_signature(proof.body):
        return "BAD_SIGNATURE: an eip712v2 proof holds a 65-byte hex signature"
    return None


def _is_signature(text: str) -> bool:
    try:
        return len(bytes.fromhex(text.removeprefix("0x"))) == 65
    except ValueError:
        return False
