"""The consumer loop: fetch from Kafka, hand each batch to process_batch, back off on
transient failures, resume each assigned partition after its stored offset, track lag.

The handler context and spec (context.py), the batch transaction (batch.py) and the stored
offsets (offsets.py) live beside it; their names are re-exported here for the services.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.errors import KafkaError

from pushnode_shared.infra.batch import process_batch
from pushnode_shared.infra.context import (
    TRANSIENT,
    ConsumerSpec,
    Handler,
    HandlerContext,
    TransientError,
    retryable,
)
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.kafka import Producer
from pushnode_shared.infra.logging import get_logger
from pushnode_shared.infra.metrics import CONSUMER_LAG, CONSUMER_STALLED
from pushnode_shared.infra.offsets import load_offsets
from pushnode_shared.protocol.topics import scoped

__all__ = [
    "TRANSIENT",
    "ConsumerSpec",
    "Handler",
    "HandlerContext",
    "ProjectionConsumer",
    "TransientError",
    "commit_to_kafka",
    "load_offsets",
    "process_batch",
    "retryable",
]

log = get_logger(__name__)


class ProjectionConsumer:
    """Runs one ConsumerSpec against Kafka and the service database."""

    def __init__(
        self,
        spec: ConsumerSpec,
        db: Database,
        producer: Producer | None,
        bootstrap: str,
        *,
        instance: str | None = None,
    ) -> None:
        self.spec = spec
        self.db = db
        self.producer = producer
        self.bootstrap = bootstrap
        # Static group membership (Kafka's group.instance.id, settings.consumer_instance_id):
        # a restarted process takes its partitions back at once instead of waiting for the
        # broker to expire its old session and rebalance.
        self.instance = instance
        self.lag: dict[TopicPartition, int] = {}
        self.assigned = False
        # Set the first time this consumer is given its partitions (start-up breakdown).
        self.joined = asyncio.Event()
        # Set the first time every assigned partition is read to its end.
        self.first_catch_up = asyncio.Event()
        # monotonic time of the last answer from the broker (end offsets), for readiness.
        self.last_broker_contact = 0.0
        # monotonic time this consumer last committed a batch or stood at the end of its
        # partitions: behind and no progress since then means stuck (see stuck_for).
        self.last_progress = time.monotonic()

    @property
    def caught_up(self) -> bool:
        """Assigned and no partition further behind than zero."""
        return self.assigned and all(v <= 0 for v in self.lag.values())

    def max_lag(self) -> int:
        """The worst partition lag, or -1 before any assignment."""
        return max(self.lag.values(), default=0) if self.assigned else -1

    def stuck_for(self, now: float) -> float:
        """Seconds behind without committing anything; 0 while caught up or progressing.

        Lag alone says nothing about health (a flood of deliveries is lag); a consumer that is
        behind and has committed nothing for a while is stuck.
        """
        if self.max_lag() <= 0:
            return 0.0
        return max(0.0, now - self.last_progress)

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until stop is set; transient failures back off and retry the batch."""
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap,
            group_id=scoped(self.spec.name),  # one broker, several dev nodes: see topics.scoped
            client_id=self.spec.name,
            group_instance_id=self.instance,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
        )
        await consumer.start()
        consumer.subscribe(
            [t.name for t in self.spec.topics], listener=_SeekToStored(self, consumer)
        )
        try:
            await self._loop(consumer, stop)
        finally:
            await consumer.stop()

    async def _loop(self, consumer: AIOKafkaConsumer, stop: asyncio.Event) -> None:
        backoff = 0.5
        while not stop.is_set():
            self._before_fetch(consumer)
            batch = await consumer.getmany(timeout_ms=self._fetch_timeout_ms(), max_records=500)
            due = self._select(batch)
            try:
                if due:
                    await process_batch(self.spec, self.db, self.producer, due, replay=False)
                    await commit_to_kafka(consumer, due)
                    self.last_progress = time.monotonic()
                self._after_batch(consumer)
                backoff = 0.5
            except TRANSIENT as exc:
                log.warning("batch failed, will retry", consumer=self.spec.name, error=repr(exc))
                # Whatever committed is in the database; re-reading the rest is harmless
                # because process_batch skips records at or below the stored offsets.
                for tp, records in batch.items():
                    consumer.seek(tp, records[0].offset)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
                continue
            try:
                await self._update_lag(consumer)
            except TRANSIENT as exc:  # only the readiness figure is stale; nothing to redo
                log.debug("lag check failed", consumer=self.spec.name, error=repr(exc))

    # Hooks for consumers that hold records back (the dispatcher's retry consumer): which
    # fetched records to handle now, what to do before each fetch and after each batch.
    def _before_fetch(self, consumer: AIOKafkaConsumer) -> None:
        """Called before every fetch."""

    def _fetch_timeout_ms(self) -> int:
        return 500

    def _select(
        self, batch: Mapping[TopicPartition, list[ConsumerRecord[Any, Any]]]
    ) -> Mapping[TopicPartition, list[ConsumerRecord[Any, Any]]]:
        """The records to handle now; all of them unless a subclass holds some back."""
        return batch

    def _after_batch(self, consumer: AIOKafkaConsumer) -> None:
        """Called once a batch is committed."""

    async def _update_lag(self, consumer: AIOKafkaConsumer) -> None:
        assignment = consumer.assignment()
        if not assignment:
            # A member with no partitions (more replicas than partitions) still talks to Kafka.
            await consumer.topics()
            self.last_broker_contact = time.monotonic()
            self.first_catch_up.set()  # nothing to read counts as read to the end
            return
        ends = await consumer.end_offsets(list(assignment))
        now = self.last_broker_contact = time.monotonic()
        for tp in assignment:
            lag = ends[tp] - await consumer.position(tp)
            self.lag[tp] = lag
            CONSUMER_LAG.labels(self.spec.name, tp.topic, tp.partition).set(lag)
        if self.caught_up:
            self.last_progress = now
            self.first_catch_up.set()
        CONSUMER_STALLED.labels(self.spec.name).set(self.stuck_for(now))


class _SeekToStored(ConsumerRebalanceListener):  # type: ignore[misc]
    """On assignment, resume after the offset stored with the projection (or from the start)."""

    def __init__(self, owner: ProjectionConsumer, consumer: AIOKafkaConsumer) -> None:
        self.owner = owner
        self.consumer = consumer

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        for tp in revoked:
            self.owner.lag.pop(tp, None)

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        stored = await load_offsets(self.owner.db, self.owner.spec)
        for tp in assigned:
            if (tp.topic, tp.partition) in stored:
                self.consumer.seek(tp, stored[(tp.topic, tp.partition)] + 1)
            else:
                await self.consumer.seek_to_beginning(tp)
            self.owner.lag[tp] = 1  # unknown until the first end-offset check
        self.owner.last_progress = time.monotonic()  # the stuck clock starts with the assignment
        self.owner.assigned = True
        self.owner.joined.set()


async def commit_to_kafka(
    consumer: AIOKafkaConsumer, batch: Mapping[TopicPartition, list[ConsumerRecord[Any, Any]]]
) -> None:
    """Best-effort Kafka commit after the database commit, so standard tooling can show lag."""
    # The database holds the truth; a failed commit here loses nothing.
    try:
        await consumer.commit({tp: records[-1].offset + 1 for tp, records in batch.items()})
    except KafkaError as exc:
        log.debug("kafka offset commit skipped", error=repr(exc))
