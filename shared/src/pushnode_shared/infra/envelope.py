"""The one event envelope every topic carries, and its Kafka record encoding."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pushnode_shared.infra.untrusted import BadJson, load_json

ENVELOPE_VERSION = 1
# Stable namespace so ids derived from natural keys (chain log position, input event id)
# are the same on every node and every replay.
PUSHNODE_NAMESPACE = uuid.UUID("8a0f3c1e-4b7d-5e2a-9c61-2f4d8b0e7a15")


class MalformedEvent(ValueError):
    """A record that cannot be read as an envelope (bad JSON, missing header, bad shape)."""


class Envelope(BaseModel):
    """Metadata around one event payload; the unit written to and read from every topic."""

    model_config = ConfigDict(frozen=True)

    event_id: str
    type: str
    schema_version: int
    key: str
    occurred_at: datetime
    producer: str
    causation_id: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict)


def derive_id(*parts: str) -> str:
    """A deterministic event id from natural-key parts, so a re-emission is the same event."""
    return str(uuid.uuid5(PUSHNODE_NAMESPACE, "\x1f".join(parts)))


def new_id() -> str:
    """A fresh random event id, for facts that are new every time (an HTTP submission)."""
    return str(uuid.uuid4())


def utcnow() -> datetime:
    """Timezone-aware now; every timestamp on the log is UTC."""
    return datetime.now(UTC)


Header = tuple[str, bytes]


def to_record(envelope: Envelope) -> tuple[bytes, bytes, list[Header]]:
    """Encode as (key, JSON body, headers); type and version ride in headers for cheap routing."""
    body = envelope.model_dump_json().encode()
    headers = [
        ("type", envelope.type.encode()),
        ("schema_version", str(envelope.schema_version).encode()),
        ("envelope_version", str(ENVELOPE_VERSION).encode()),
    ]
    return envelope.key.encode(), body, headers


def from_record(value: bytes | None, headers: Sequence[Header] = ()) -> Envelope:
    """Decode a record body; raise MalformedEvent when it is not a valid envelope."""
    if value is None:
        raise MalformedEvent("record has no value")
    try:
        data = load_json(value)
    except BadJson as exc:
        raise MalformedEvent(f"body is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise MalformedEvent("body is not a JSON object")
    header_type = dict(headers).get("type")
    if header_type is not None and header_type.decode(errors="replace") != data.get("type"):
        raise MalformedEvent("type header disagrees with body")
    try:
        return Envelope.model_validate(data)
    except ValidationError as exc:
        raise MalformedEvent(f"envelope shape: {exc.error_count()} errors") from exc
