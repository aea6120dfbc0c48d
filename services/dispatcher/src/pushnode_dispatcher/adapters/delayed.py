"""A consumer that holds each record until it is due, pausing only that record's partition.

The retry consumer reads `deliveries` and must not send a DeliveryRetryScheduled before its
`not_before`. Sleeping in a handler would stall every partition of the batch; instead the
first record that is not yet due is sought back to, its partition paused until the due
time, and the other partitions keep flowing. Within one partition records stay in order,
so a record waits at most for those ahead of it (bounded by the retry cap). The fetch,
commit and retry loop is the shared ProjectionConsumer's; this class only fills its hooks.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, TypeAlias

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from pushnode_shared.infra.consumer import (
    ConsumerSpec,
    ProjectionConsumer,
)
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.envelope import MalformedEvent, from_record
from pushnode_shared.infra.kafka import Producer

Record: TypeAlias = "ConsumerRecord[Any, Any]"
Batch: TypeAlias = Mapping[TopicPartition, list[Record]]
# When a record may be handled, in epoch seconds; None means now.
DueAt = Callable[[Record], float | None]
IDLE_WAIT_MS = 500
# A consumer that has not heard from the broker for this long makes the service not ready.
BROKER_SILENCE_SECONDS = 15.0


def split_due(
    batch: Batch, due_at: DueAt, now: float
) -> tuple[dict[TopicPartition, list[Record]], dict[TopicPartition, tuple[int, float]]]:
    """Per partition, the records due now (a prefix), and where and until when to hold."""
    due: dict[TopicPartition, list[Record]] = {}
    held: dict[TopicPartition, tuple[int, float]] = {}
    for tp, records in batch.items():
        ready: list[Record] = []
        for record in records:
            when = due_at(record)
            if when is not None and when > now:
                held[tp] = (record.offset, when)
                break
            ready.append(record)
        if ready:
            due[tp] = ready
    return due, held


def not_before_of(record: Record) -> float | None:
    """The due time of a DeliveryRetryScheduled record; every other record is due now."""
    headers = dict(record.headers or ())
    if headers.get("type") != b"DeliveryRetryScheduled":
        return None
    try:
        payload = from_record(record.value, record.headers).payload
        return datetime.fromisoformat(str(payload["not_before"])).timestamp()
    except (MalformedEvent, KeyError, ValueError):
        return None  # handled now, and dead-lettered by the handler if it is poison


class DelayedConsumer(ProjectionConsumer):
    """ProjectionConsumer (same offsets, seek-on-assign, lag) whose loop holds records."""

    def __init__(
        self,
        spec: ConsumerSpec,
        db: Database,
        producer: Producer | None,
        bootstrap: str,
        due_at: DueAt,
        clock: Callable[[], float] = time.time,
        instance: str | None = None,
    ) -> None:
        super().__init__(spec, db, producer, bootstrap, instance=instance)
        self.due_at = due_at
        self.clock = clock
        self.held: dict[TopicPartition, float] = {}
        # Records of the current batch that are not due yet: held once the batch commits.
        self._pending: dict[TopicPartition, tuple[int, float]] = {}

    async def check(self) -> tuple[bool, str]:
        """Readiness: assigned and talking to Kafka. Records waiting their turn are no lag."""
        if not self.assigned:
            return False, "not assigned yet"
        silent = time.monotonic() - self.last_broker_contact
        if silent > BROKER_SILENCE_SECONDS:
            return False, f"no answer from Kafka for {silent:.0f}s"
        return True, f"{len(self.held)} partitions waiting"

    def _before_fetch(self, consumer: AIOKafkaConsumer) -> None:
        self._release(consumer)

    def _fetch_timeout_ms(self) -> int:
        return self._wait_ms()

    def _select(self, batch: Batch) -> Batch:
        due, self._pending = split_due(batch, self.due_at, self.clock())
        return due

    def _after_batch(self, consumer: AIOKafkaConsumer) -> None:
        self._hold(consumer, self._pending)
        self._pending = {}

    def _hold(
        self, consumer: AIOKafkaConsumer, held: dict[TopicPartition, tuple[int, float]]
    ) -> None:
        assigned = consumer.assignment()
        for tp, (offset, when) in held.items():
            if tp not in assigned:
                continue  # revoked meanwhile: its next owner reads it from the stored offset
            consumer.seek(tp, offset)
            consumer.pause(tp)
            self.held[tp] = when

    def _release(self, consumer: AIOKafkaConsumer) -> None:
        assigned = consumer.assignment()
        now = self.clock()
        for tp, when in list(self.held.items()):
            if tp not in assigned:
                del self.held[tp]  # revoked; its next owner decides for itself
            elif when <= now:
                consumer.resume(tp)
                del self.held[tp]

    def _wait_ms(self) -> int:
        if not self.held:
            return IDLE_WAIT_MS
        soonest = min(self.held.values()) - self.clock()
        return max(0, min(IDLE_WAIT_MS, math.ceil(soonest * 1000)))
