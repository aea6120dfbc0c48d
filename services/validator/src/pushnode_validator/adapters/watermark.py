"""Waits until the `validator-users` fold has read the `users` topic as far as it went now.

A pgpv4 notification is judged with the key in force at its `submitted_at` (userkeys.py).
Before a batch holding one is judged, the key history must hold every registration or
rotation already on the log: this reads the `users` end offsets once, then polls the offsets
the users consumer stores in the same database, until they reach them. The wait
is bounded, and a timeout retries the batch (TransientError) rather than judge without keys.
"""

from __future__ import annotations

import asyncio
import time

import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer

from pushnode_shared.infra.consumer import TransientError
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.kafka import topic_partitions
from pushnode_shared.protocol.topics import USERS


class UsersWatermark:
    """The users consumer has caught up with the `users` topic's ends as of the call."""

    def __init__(
        self, bootstrap: str, db: Database, consumer: str, offsets: sa.Table, timeout: float = 30
    ) -> None:
        self.bootstrap, self.db, self.consumer, self.offsets = bootstrap, db, consumer, offsets
        self.timeout = timeout
        self._kafka: AIOKafkaConsumer | None = None

    async def _ends(self) -> dict[int, int]:
        if self._kafka is None:
            self._kafka = AIOKafkaConsumer(bootstrap_servers=self.bootstrap)
            await self._kafka.start()
        partitions = await topic_partitions(self.bootstrap, [USERS])
        ends = await self._kafka.end_offsets(partitions) if partitions else {}
        return {tp.partition: end for tp, end in ends.items() if end > 0}

    async def _stored(self) -> dict[int, int]:
        table = self.offsets
        query = sa.select(table.c.partition, table.c.offset).where(
            (table.c.consumer == self.consumer) & (table.c.topic == USERS.name)
        )
        async with self.db.engine.connect() as conn:
            return {int(p): int(o) for p, o in await conn.execute(query)}

    async def wait(self) -> None:
        """Return once every `users` record written before this call is folded."""
        ends = await self._ends()
        deadline = time.monotonic() + self.timeout
        while True:
            stored = await self._stored()
            # Stored offsets are the last record folded; an end offset is the next to write.
            if all(stored.get(p, -1) >= end - 1 for p, end in ends.items()):
                return
            if time.monotonic() > deadline:
                raise TransientError(f"users keys not folded up to {ends} within {self.timeout}s")
            await asyncio.sleep(0.05)

    async def aclose(self) -> None:
        """Stop the Kafka client, if one was started."""
        if self._kafka is not None:
            await self._kafka.stop()
            self._kafka = None
