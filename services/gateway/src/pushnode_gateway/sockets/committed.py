"""How far the gateway's projections have committed, per partition: the live feed emits a
record's socket event only once the projection that shows it has committed that record.

So a client that reads its feed (or chat thread) after a socket event finds what the event
announced. The projection of this process reports its commits at once (its spec's
`after_commit`); a partition another gateway pod projects is read from the shared offsets
table, the slow way.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping

import sqlalchemy as sa

from pushnode_shared.infra.db import Database
from pushnode_shared.infra.logging import get_logger

log = get_logger(__name__)
POLL_SECONDS = 0.25
Partition = tuple[str, int]  # (topic name, partition)


class Committed:
    """The highest committed offset per partition of the projections the live feed follows."""

    def __init__(self, database: Database, offsets: sa.Table, consumers: Mapping[str, str]):
        self.database = database
        self.offsets = offsets
        self.consumers = dict(consumers)  # topic name -> the consumer that projects it
        self._done: dict[Partition, int] = {}
        self._changed = asyncio.Event()

    async def advance(self, committed: Mapping[Partition, int]) -> None:
        """A batch covering these offsets has committed."""
        for key, offset in committed.items():
            self._done[key] = max(self._done.get(key, -1), offset)
        self._changed.set()

    def covers(self, topic: str, partition: int, offset: int) -> bool:
        """Whether the record at `offset` is already committed by its projection."""
        return topic not in self.consumers or self._done.get((topic, partition), -1) >= offset

    async def until(self, topic: str, partition: int, offset: int) -> None:
        """Wait until the projection has committed the record at `offset`."""
        while not self.covers(topic, partition, offset):
            self._changed.clear()
            await self._read(topic, partition)
            if self.covers(topic, partition, offset):
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), POLL_SECONDS)

    async def _read(self, topic: str, partition: int) -> None:
        table = self.offsets
        query = sa.select(table.c.offset).where(
            (table.c.consumer == self.consumers[topic])
            & (table.c.topic == topic)
            & (table.c.partition == partition)
        )
        try:
            async with self.database.engine.connect() as conn:
                offset = (await conn.execute(query)).scalar()
        except Exception as exc:  # the database away: keep waiting, the commit has not shown
            log.warning("cannot read projection offsets", topic=topic, error=repr(exc))
            return
        if offset is not None:
            await self.advance({(topic, partition): offset})
