"""Records a consumer could not process, parked for operators."""

from __future__ import annotations

from pushnode_shared.protocol.events.base import Event, register


@register
class EventDeadLettered(Event):
    """A record was malformed, of an unknown version, or its handler failed on it."""

    TYPE = "EventDeadLettered"

    consumer: str
    topic: str
    partition: int
    offset: int
    reason: str
    record_key: str | None
    record_value_b64: str

    def key(self) -> str:
        return f"{self.topic}:{self.partition}"


@register
class DeadLetterReplayed(Event):
    """An operator put the record parked at `dlq_offset` back on its topic."""

    TYPE = "DeadLetterReplayed"

    dlq_offset: int
    topic: str
    operator: str

    def key(self) -> str:
        return f"replayed:{self.dlq_offset}"
