"""Waits until the device registry has folded the `devices` topic as far as it went now.

The registry and the sender are two consumers with nothing ordering them: a device whose
registration was acknowledged (on `devices`) before a notification was accepted could still
be unfolded when the sender reads the registry for it, and silently miss it. Before the
sender reads the registry it reads the `devices` end offsets once (`EndOffsets`, the Kafka
port), then polls the offsets the registry consumer stores in the same database until they
reach them. The wait is bounded; past it the batch is retried (TransientError), never sent
to a partial registry.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer

from pushnode_shared.infra.consumer import TransientError
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.kafka import topic_partitions
from pushnode_shared.protocol.topics import DEVICES, Topic

__all__ = ["EndOffsets", "KafkaEndOffsets", "RegistryWatermark"]

# Partition -> the offset the next record will get (0: the partition never held one).
EndOffsets = Callable[[], Awaitable[dict[int, int]]]


class KafkaEndOffsets:
    """A topic's end offsets, from one long-lived Kafka client."""

    def __init__(self, bootstrap: str, topic: Topic = DEVICES) -> None:
        self.bootstrap, self.topic = bootstrap, topic
        self._kafka: AIOKafkaConsumer | None = None

    async def __call__(self) -> dict[int, int]:
        if self._kafka is None:
            self._kafka = AIOKafkaConsumer(bootstrap_servers=self.bootstrap)
            await self._kafka.start()
        partitions = await topic_partitions(self.bootstrap, [self.topic])
        ends = await self._kafka.end_offsets(partitions) if partitions else {}
        return {tp.partition: end for tp, end in ends.items() if end > 0}

    async def aclose(self) -> None:
        """Stop the Kafka client, if one was started."""
        if self._kafka is not None:
            await self._kafka.stop()
            self._kafka = None


class RegistryWatermark:
    """The registry consumer has caught up with the `devices` ends as of the call."""

    def __init__(
        self,
        ends: EndOffsets,
        db: Database,
        consumer: str,
        offsets: sa.Table,
        timeout: float = 10,
        topic: Topic = DEVICES,
    ) -> None:
        self.ends, self.db, self.consumer, self.offsets = ends, db, consumer, offsets
        self.timeout, self.topic = timeout, topic
        # Readiness: when the registry last failed to catch up in time, None once it did.
        self.behind_since: float | None = None

    async def _stored(self) -> dict[int, int]:
        table = self.offsets
        query = sa.select(table.c.partition, table.c.offset).where(
            (table.c.consumer == self.consumer) & (table.c.topic == self.topic.name)
        )
        # Its own connection, not the batch's: the registry commits apart from the sender.
        async with self.db.engine.connect() as conn:
            return {int(p): int(o) for p, o in await conn.execute(query)}

    async def wait(self) -> None:
        """Return once every `devices` record written before this call is folded."""
        ends = await self.ends()
        deadline = time.monotonic() + self.timeout
        while True:
            stored = await self._stored()
            # Stored offsets are the last record folded; an end offset is the next to write.
            if all(stored.get(p, -1) >= end - 1 for p, end in ends.items()):
                self.behind_since = None
                return
            if time.monotonic() > deadline:
                self.behind_since = self.behind_since or time.monotonic()
                raise TransientError(
                    f"device registry folded to {stored}, devices ends at {ends}: "
                    f"not caught up within {self.timeout}s"
                )
            await asyncio.sleep(0.02)
