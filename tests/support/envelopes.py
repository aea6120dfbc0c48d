"""Envelopes built by hand, for what `wrap` never makes: unknown versions, bare payloads."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pushnode_shared.infra.envelope import Envelope


def raw_envelope(
    type_: str,
    payload: dict[str, Any] | None = None,
    *,
    version: int = 1,
    event_id: str = "e",
    key: str = "k",
    producer: str = "test",
    at: datetime | None = None,
) -> Envelope:
    """An envelope of `type_` carrying `payload` as given (checked against no event model)."""
    return Envelope(
        event_id=event_id,
        type=type_,
        schema_version=version,
        key=key,
        occurred_at=at or datetime.now(UTC),
        producer=producer,
        payload=payload or {},
    )
