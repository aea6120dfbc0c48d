"""What a consumer's handlers see: the context of a batch, the consumer's spec, and which
failures are transient (retried) rather than poison (dead-lettered)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import sqlalchemy as sa
from aiokafka.errors import KafkaError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.protocol.topics import Topic


class TransientError(Exception):
    """A dependency is unavailable; the batch is retried later and nothing is skipped."""


TRANSIENT = (TransientError, DBAPIError, OSError, httpx.TransportError, KafkaError)
# SQLSTATE classes a retry cannot cure: data exception (a NUL character PostgreSQL text
# refuses, a value out of a column's range), integrity violation, syntax or access rule. The
# same record fails the same way every time; retried as transient it stalled its partition for
# good, so it is poison, parked like any handler bug. (SQLAlchemy's asyncpg dialect reports
# most of these as a plain DBAPIError, so the class alone cannot tell.)
REFUSED_BY_DATABASE = ("22", "23", "42")


def retryable(exc: BaseException) -> bool:
    """Transient (a dependency away), unless the database refused the record itself."""
    if not isinstance(exc, TRANSIENT):
        return False
    if isinstance(exc, DBAPIError):
        code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        return not (isinstance(code, str) and code[:2] in REFUSED_BY_DATABASE)
    return True


@dataclass
class HandlerContext:
    """What a handler may touch: the open session, an outbox, and post-commit effects."""

    session: AsyncSession
    replay: bool
    outbox: list[tuple[Topic, Envelope]] = field(default_factory=list)
    after_commit: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    writes: dict[str, Callable[[], Awaitable[None]]] = field(default_factory=dict)
    buffers: dict[str, list[Any]] = field(default_factory=dict)

    def publish(self, topic: Topic, envelope: Envelope) -> None:
        """Queue output; published before the commit (not during a rebuild)."""
        self.outbox.append((topic, envelope))

    def later(self, effect: Callable[[], Awaitable[None]]) -> None:
        """Queue an effect for after the commit (not during a rebuild)."""
        if not self.replay:
            self.after_commit.append(effect)

    def before_commit(self, key: str, write: Callable[[], Awaitable[None]]) -> None:
        """The consumer's one extension point: `write` runs inside the transaction once the
        batch's handlers have run, before output is published and the batch commits (after
        each record when a poison record is being isolated), to write in bulk what the
        handlers queued. The first write registered under a key is kept."""
        self.writes.setdefault(key, write)

    def buffer(self, key: str, flush: Callable[[list[Any]], Awaitable[None]]) -> list[Any]:
        """A list of pending rows that `flush` writes in one statement before the commit (a
        `before_commit` write): one INSERT per batch instead of one per record. Handlers
        append to it."""
        if key not in self.buffers:
            rows: list[Any] = []
            self.buffers[key] = rows

            async def write() -> None:
                if rows:
                    await flush(list(rows))
                    rows.clear()

            self.before_commit(key, write)
        return self.buffers[key]

    async def flush(self) -> None:
        """Run every `before_commit` write (the consumer calls it; handlers need not)."""
        for write in list(self.writes.values()):
            await write()

    def discard(self) -> None:
        """Drop buffered rows of a record whose savepoint was rolled back."""
        for rows in self.buffers.values():
            rows.clear()


Handler = Callable[[HandlerContext, Envelope], Awaitable[None]]


@dataclass(frozen=True)
class ConsumerSpec:
    """A named consumer: its topics, handlers by event type, and the offsets table it owns."""

    name: str
    topics: tuple[Topic, ...]
    handlers: Mapping[str, Handler]
    offsets: sa.Table
    # Optional: sees a whole batch's readable envelopes before the handlers run, to start
    # slow idempotent I/O for all of them at once (storage puts blocks to kubo concurrently).
    prepare: Callable[[list[Envelope]], Awaitable[None]] | None = None
