"""Thin aiokafka wrappers: the idempotent producer and topic creation from the catalogue."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import (
    OutOfOrderSequenceNumber,
    ProducerFenced,
    TopicAlreadyExistsError,
    UnknownProducerId,
)

from pushnode_shared.infra.envelope import Envelope, to_record
from pushnode_shared.infra.logging import get_logger
from pushnode_shared.infra.metrics import DECISIONS, EVENTS_PUBLISHED
from pushnode_shared.protocol.topics import CATALOGUE, PROTOCOL_DECISIONS, Topic

log = get_logger(__name__)


# An idempotent producer whose sequence numbers no longer match the broker's (the broker lost
# its tail in a restart, or a batch failed at the client): aiokafka fails every later send to
# that partition for good. A fresh producer (a new producer id) starts the sequences again, as
# the Java client bumps its epoch; the failed batch is the caller's to retry (same event ids).
BROKEN_SEQUENCE = (OutOfOrderSequenceNumber, UnknownProducerId, ProducerFenced)


class Producer:
    """Idempotent (acks=all) producer of envelopes; publish returns once the broker has them."""

    def __init__(self, bootstrap: str, producer_name: str) -> None:
        self.name, self.bootstrap = producer_name, bootstrap
        self._producer = self._new()
        self._replacing = asyncio.Lock()

    def _new(self) -> AIOKafkaProducer:
        return AIOKafkaProducer(
            bootstrap_servers=self.bootstrap,
            client_id=self.name,
            enable_idempotence=True,
            acks="all",
            linger_ms=5,
            request_timeout_ms=30_000,
        )

    async def start(self) -> None:
        """Connect to the cluster."""
        await self._producer.start()

    async def stop(self) -> None:
        """Flush and close."""
        await self._producer.stop()

    async def publish(self, topic: Topic, envelope: Envelope) -> None:
        """Append one envelope and wait for the acknowledgement."""
        await self.publish_many([(topic, envelope)])

    async def publish_many(self, items: Sequence[tuple[Topic, Envelope]]) -> None:
        """Append several envelopes (pipelined), returning when all are acknowledged."""
        producer = self._producer
        try:
            await self._send_all(producer, items)
        except BROKEN_SEQUENCE as exc:
            await self._replace(producer, exc)
            raise

    async def _send_all(
        self, producer: AIOKafkaProducer, items: Sequence[tuple[Topic, Envelope]]
    ) -> None:
        futures = []
        for topic, envelope in items:
            key, value, headers = to_record(envelope)
            futures.append(await producer.send(topic.name, value=value, key=key, headers=headers))
            EVENTS_PUBLISHED.labels(self.name, topic.name, envelope.type).inc()
            if topic.name == PROTOCOL_DECISIONS.name:
                # reason codes are an enumeration, so this stays a handful of series
                DECISIONS.labels(envelope.type, str(envelope.payload.get("reason", ""))).inc()
        if futures:
            await asyncio.gather(*futures)

    async def _replace(self, broken: AIOKafkaProducer, error: Exception) -> None:
        """Swap the broken producer for a started fresh one (once, whoever saw it first)."""
        async with self._replacing:
            if self._producer is not broken:
                return  # a concurrent publish replaced it already
            log.warning(
                "producer out of sequence, starting a new one",
                producer=self.name,
                error=repr(error),
            )
            fresh = self._new()
            await fresh.start()  # if Kafka is away this raises and the next failure retries
            self._producer = fresh
        # Its pending sends fail the same way; a close that hangs must not hold the caller.
        with contextlib.suppress(Exception):
            await asyncio.wait_for(broken.stop(), timeout=10)


async def topic_partitions(bootstrap: str, topics: Iterable[Topic]) -> list[TopicPartition]:
    """Every partition of the named topics, as the cluster reports them."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="pushnode-admin")
    await admin.start()
    try:
        described = await admin.describe_topics([t.name for t in topics])
    finally:
        await admin.close()
    return sorted(
        TopicPartition(d["topic"], p["partition"]) for d in described for p in d["partitions"]
    )


async def ensure_topics(
    bootstrap: str, topics: Iterable[Topic] = CATALOGUE, keyed_partitions: int | None = None
) -> list[str]:
    """Create any catalogue topic that is missing; returns the names created.

    `keyed_partitions` overrides the catalogue's count for keyed topics (the setting
    PUSHNODE_TOPIC_PARTITIONS); existing topics are never changed.
    """
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="pushnode-admin")
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in topics if t.name not in existing]
        if missing:
            new = [
                NewTopic(t.name, t.partitions_for(keyed_partitions), 1, topic_configs=t.config())
                for t in missing
            ]
            # Another service may create the same topics between our list and create.
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(new)
            log.info("topics created", topics=[t.name for t in missing])
        return [t.name for t in missing]
    finally:
        await admin.close()


async def topic_sizes(bootstrap: str, topics: Iterable[Topic] = CATALOGUE) -> dict[str, list[int]]:
    """End offset of each partition of each existing catalogue topic (records ever written)."""
    wanted = list(topics)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="pushnode-admin")
    await admin.start()
    try:
        existing = set(await admin.list_topics())
    finally:
        await admin.close()
    present = [t for t in wanted if t.name in existing]
    if not present:
        return {}
    partitions = await topic_partitions(bootstrap, present)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        ends = await consumer.end_offsets(partitions)
    finally:
        await consumer.stop()
    sizes: dict[str, list[int]] = {t.name: [] for t in present}
    for tp in sorted(ends):
        sizes[tp.topic].append(ends[tp])
    return sizes


async def batches_to_end(
    consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int], max_records: int = 2000
) -> AsyncIterator[dict[TopicPartition, list[ConsumerRecord[Any, Any]]]]:
    """Fetched batches of the assigned partitions up to `ends` (records past them dropped),
    until every partition's position has reached its end: today's log, not tomorrow's."""
    remaining = {tp for tp, end in ends.items() if end > 0}
    while remaining:
        fetched = await consumer.getmany(*remaining, timeout_ms=1000, max_records=max_records)
        batch = {tp: [r for r in recs if r.offset < ends[tp]] for tp, recs in fetched.items()}
        batch = {tp: recs for tp, recs in batch.items() if recs}
        if batch:
            yield batch
        for tp in list(remaining):
            if await consumer.position(tp) >= ends[tp]:
                remaining.discard(tp)
