"""One chain's Kafka producer: every publish_many is one Kafka transaction.

A range's logs, its recorded blocks and its ChainCursorAdvanced checkpoint go out together, or
not at all: a listener killed (SIGKILL) half way through leaves an open transaction that the
restarted one aborts (same transactional id), and the consumers read committed records only.
So a restart resumes after the last checkpoint with no gap and no record twice on the log.

The transactional id is per chain, so the chains never wait for each other, and a second
listener instance fences the first one instead of interleaving with it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner

from pushnode_shared.infra.envelope import Envelope, to_record
from pushnode_shared.infra.logging import get_logger
from pushnode_shared.infra.metrics import EVENTS_PUBLISHED
from pushnode_shared.protocol.topics import Topic, scoped

log = get_logger(__name__)
# What send() uses by default, and so what the other producers of protocol-inputs use.
PARTITIONER = DefaultPartitioner()
# Bytes per batch: below the broker's default 1 MB message.max.bytes.
BATCH_BYTES = 512 * 1024


class TransactionalPublisher:
    """Starts on first use (Kafka may come up after the service); restarts after a failure."""

    def __init__(self, bootstrap: str, transactional_id: str, producer_name: str) -> None:
        self.bootstrap, self.transactional_id, self.name = (
            bootstrap,
            transactional_id,
            producer_name,
        )
        self._producer: AIOKafkaProducer | None = None
        self._lock = asyncio.Lock()
        self._partitions: dict[tuple[str, bytes], int] = {}

    async def _started(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = AIOKafkaProducer(
                bootstrap_servers=self.bootstrap,
                client_id=f"{self.name}-{self.transactional_id}",
                transactional_id=scoped(self.transactional_id),  # see topics.scoped
                enable_idempotence=True,
                acks="all",
                linger_ms=5,
                request_timeout_ms=30_000,
                max_batch_size=BATCH_BYTES,
            )
            try:
                await producer.start()  # also aborts what a killed predecessor left open
            except BaseException:
                await producer.stop()
                raise
            self._producer = producer
        return self._producer

    async def start(self) -> None:
        """Connect now rather than on the first publish."""
        async with self._lock:
            await self._started()

    async def publish(self, topic: Topic, envelope: Envelope) -> None:
        """One envelope, in its own transaction."""
        await self.publish_many([(topic, envelope)])

    async def publish_many(self, items: Sequence[tuple[Topic, Envelope]]) -> None:
        """All the envelopes, in order, in one transaction; returns once it is committed.

        Records are packed into batches per partition (aiokafka's batch API) rather than sent
        one by one: a backfill publishes tens of thousands per range, and per-record send()
        cost more than everything else the listener does. The partition is the one send()
        would choose (the default partitioner over the key), so a channel's records land
        where the other producers put theirs.
        """
        if not items:
            return
        async with self._lock:
            producer = await self._started()
            try:
                async with producer.transaction():
                    await self._send_batched(producer, items)
            except BaseException:
                # Some transaction errors leave the producer unusable: start afresh next time.
                self._producer = None
                await producer.stop()
                raise
        for topic, envelope in items:
            EVENTS_PUBLISHED.labels(self.name, topic.name, envelope.type).inc()

    async def _send_batched(
        self, producer: AIOKafkaProducer, items: Sequence[tuple[Topic, Envelope]]
    ) -> None:
        open_batches: dict[tuple[str, int], Any] = {}
        sent: list[asyncio.Future[Any]] = []
        for topic, envelope in items:
            key, value, headers = to_record(envelope)
            partition = await self._partition_of(producer, topic.name, key)
            batch = open_batches.get((topic.name, partition))
            if batch is None:
                batch = open_batches[(topic.name, partition)] = producer.create_batch()
            if batch.append(key=key, value=value, timestamp=None, headers=headers) is None:
                sent.append(await producer.send_batch(batch, topic.name, partition=partition))
                batch = open_batches[(topic.name, partition)] = producer.create_batch()
                if batch.append(key=key, value=value, timestamp=None, headers=headers) is None:
                    raise ValueError(f"{envelope.type} {envelope.event_id}: record too large")
        for (name, partition), batch in open_batches.items():
            sent.append(await producer.send_batch(batch, name, partition=partition))
        await asyncio.gather(*sent)

    async def _partition_of(self, producer: AIOKafkaProducer, topic: str, key: bytes) -> int:
        known = self._partitions.get((topic, key))
        if known is None:
            partitions = list(await producer.partitions_for(topic))
            known = PARTITIONER(key, partitions, partitions)
            if len(self._partitions) > 100_000:  # channels seen: keep the cache bounded
                self._partitions.clear()
            self._partitions[(topic, key)] = known
        return known

    async def stop(self) -> None:
        """Flush and close."""
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None
