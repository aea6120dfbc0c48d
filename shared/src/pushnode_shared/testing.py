"""Fakes shipped beside the real adapters, for unit tests: an in-memory producer and a fake
Kafka client."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import Any

from aiokafka import TopicPartition

from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.protocol.topics import Topic


class InMemoryProducer:
    """Records what would have been published, per topic, in order."""

    def __init__(self) -> None:
        self.published: list[tuple[str, Envelope]] = []

    async def start(self) -> None:
        """Nothing to connect."""

    async def stop(self) -> None:
        """Nothing to close."""

    async def publish(self, topic: Topic, envelope: Envelope) -> None:
        """Append one envelope."""
        self.published.append((topic.name, envelope))

    async def publish_many(self, items: Sequence[tuple[Topic, Envelope]]) -> None:
        """Append several envelopes."""
        for topic, envelope in items:
            await self.publish(topic, envelope)

    def on(self, topic: Topic) -> list[Envelope]:
        """Envelopes published to one topic."""
        return [e for name, e in self.published if name == topic.name]


class FakeBatch:
    """An aiokafka record batch with room for a fixed number of records."""

    def __init__(self, room: int) -> None:
        self.room = room
        self.records: list[tuple[bytes, bytes, Any]] = []

    def append(self, *, key: bytes, value: bytes, timestamp: None, headers: Any) -> object | None:
        """Add a record, or None when the batch is full (as aiokafka answers)."""
        if len(self.records) == self.room:
            return None
        self.records.append((key, value, headers))
        return object()


class FakeKafka:
    """The parts of AIOKafkaProducer and AIOKafkaConsumer the adapters touch, in memory.

    Producer side: batches of `batch_room` records, `partitions` partitions a topic, sent
    batches and transactions recorded. Consumer side: the assigned partitions, positions
    sought and partitions paused.
    """

    def __init__(self, *assigned: TopicPartition, partitions: int = 3, batch_room: int = 3) -> None:
        self.partitions = partitions
        self.batch_room = batch_room
        self.sent: list[tuple[str, int, list[tuple[bytes, bytes, Any]]]] = []
        self.transactions: list[str] = []
        self.assigned = set(assigned)
        self.positions: dict[TopicPartition, int] = {}
        self.paused: set[TopicPartition] = set()

    def create_batch(self) -> FakeBatch:
        """An empty batch."""
        return FakeBatch(self.batch_room)

    async def send_batch(self, batch: FakeBatch, topic: str, *, partition: int) -> Any:
        """Record the batch; the future aiokafka returns is already done."""
        self.sent.append((topic, partition, batch.records))
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done

    async def partitions_for(self, topic: str) -> set[int]:
        """Every topic has the same partitions."""
        return set(range(self.partitions))

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """Record where a transaction begins and commits."""
        self.transactions.append("begin")
        yield
        self.transactions.append("commit")

    def assignment(self) -> set[TopicPartition]:
        """The partitions assigned to this consumer."""
        return self.assigned

    def seek(self, tp: TopicPartition, offset: int) -> None:
        """Remember the position sought."""
        self.positions[tp] = offset

    def pause(self, tp: TopicPartition) -> None:
        """Stop fetching a partition."""
        self.paused.add(tp)

    def resume(self, tp: TopicPartition) -> None:
        """Fetch a partition again."""
        self.paused.discard(tp)
