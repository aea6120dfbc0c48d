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

from aiokafka import AIOKafkaProducer

from pushnode_shared.envelope import Envelope, to_record
from pushnode_shared.logging import get_logger
from pushnode_shared.metrics import EVENTS_PUBLISHED
from pushnode_shared.topics import Topic

log = get_logger(__name__)


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

    async def _started(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = AIOKafkaProducer(
                bootstrap_servers=self.bootstrap,
                client_id=f"{self.name}-{self.transactional_id}",
                transactional_id=self.transactional_id,
                enable_idempotence=True,
                acks="all",
                linger_ms=5,
                request_timeout_ms=30_000,
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
        """All the envelopes, in order, in one transaction; returns once it is committed."""
        if not items:
            return
        async with self._lock:
            producer = await self._started()
            try:
                async with producer.transaction():
                    for topic, envelope in items:
                        key, value, headers = to_record(envelope)
                        await producer.send(topic.name, value=value, key=key, headers=headers)
            except BaseException:
                # Some transaction errors leave the producer unusable: start afresh next time.
                self._producer = None
                await producer.stop()
                raise
        for topic, envelope in items:
            EVENTS_PUBLISHED.labels(self.name, topic.name, envelope.type).inc()

    async def stop(self) -> None:
        """Flush and close."""
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None
