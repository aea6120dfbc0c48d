"""The offset-tracking consumer: handlers, projection rows and offsets in one transaction.

Each batch runs in one database transaction. Handlers change rows and queue output
envelopes; output is published (and acknowledged) before the transaction commits, so a
crash between the two replays the batch and re-publishes the same deterministic event ids,
which downstream consumers treat idempotently. Effects that must follow the commit (socket
pushes) are queued separately and skipped during a rebuild.
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.errors import KafkaError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from pushnode_shared.db import Database
from pushnode_shared.envelope import Envelope, MalformedEvent, derive_id, from_record
from pushnode_shared.events import EventDeadLettered, wrap
from pushnode_shared.kafka import Producer
from pushnode_shared.logging import get_logger
from pushnode_shared.metrics import BATCH_SECONDS, CONSUMER_LAG, DEAD_LETTERED, EVENTS_CONSUMED
from pushnode_shared.topics import DEAD_LETTERS, Topic

log = get_logger(__name__)


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
    flushes: dict[str, Callable[[], Awaitable[None]]] = field(default_factory=dict)
    buffers: dict[str, list[Any]] = field(default_factory=dict)

    def publish(self, topic: Topic, envelope: Envelope) -> None:
        """Queue output; published before the commit (not during a rebuild)."""
        self.outbox.append((topic, envelope))

    def later(self, effect: Callable[[], Awaitable[None]]) -> None:
        """Queue an effect for after the commit (not during a rebuild)."""
        if not self.replay:
            self.after_commit.append(effect)

    def buffer(self, key: str, flush: Callable[[list[Any]], Awaitable[None]]) -> list[Any]:
        """A list of pending rows that `flush` writes in one statement, inside the
        transaction, before the offsets are stored: one INSERT per batch instead of one per
        record. Handlers append to it; the rows are written once the batch's handlers have
        run (after each record when a poison record is being isolated)."""
        if key not in self.buffers:
            rows: list[Any] = []
            self.buffers[key] = rows

            async def write() -> None:
                if rows:
                    await flush(list(rows))
                    rows.clear()

            self.flushes[key] = write
        return self.buffers[key]

    async def flush(self) -> None:
        """Write every buffer (the consumer calls it; handlers need not)."""
        for write in list(self.flushes.values()):
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
    # Optional: runs in the batch's transaction after its handlers, before output is published,
    # to write in bulk what the handlers queued (the validator's verdict rows).
    finish: Callable[[HandlerContext], Awaitable[None]] | None = None


class ProjectionConsumer:
    """Runs one ConsumerSpec against Kafka and the service database."""

    def __init__(
        self, spec: ConsumerSpec, db: Database, producer: Producer | None, bootstrap: str
    ) -> None:
        self.spec = spec
        self.db = db
        self.producer = producer
        self.bootstrap = bootstrap
        self.lag: dict[TopicPartition, int] = {}
        self.assigned = False
        # Set the first time every assigned partition is read to its end.
        self.first_catch_up = asyncio.Event()
        # monotonic time of the last answer from the broker (end offsets), for readiness.
        self.last_broker_contact = 0.0

    @property
    def caught_up(self) -> bool:
        """Assigned and no partition further behind than zero."""
        return self.assigned and all(v <= 0 for v in self.lag.values())

    def max_lag(self) -> int:
        """The worst partition lag, or -1 before any assignment."""
        return max(self.lag.values(), default=0) if self.assigned else -1

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until stop is set; transient failures back off and retry the batch."""
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap,
            group_id=self.spec.name,
            client_id=self.spec.name,
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
            return
        ends = await consumer.end_offsets(list(assignment))
        self.last_broker_contact = time.monotonic()
        for tp in assignment:
            lag = ends[tp] - await consumer.position(tp)
            self.lag[tp] = lag
            CONSUMER_LAG.labels(self.spec.name, tp.topic, tp.partition).set(lag)
        if self.caught_up:
            self.first_catch_up.set()


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
        self.owner.assigned = True


async def load_offsets(db: Database, spec: ConsumerSpec) -> dict[tuple[str, int], int]:
    """The last processed offset per (topic, partition) for this consumer."""
    table = spec.offsets
    async with db.engine.connect() as conn:
        rows = await conn.execute(
            sa.select(table.c.topic, table.c.partition, table.c.offset).where(
                table.c.consumer == spec.name
            )
        )
        return {(r.topic, r.partition): r.offset for r in rows}


async def process_batch(
    spec: ConsumerSpec,
    db: Database,
    producer: Producer | None,
    batch: Mapping[TopicPartition, list[ConsumerRecord[Any, Any]]],
    *,
    replay: bool,
) -> None:
    """Handle records, publish output, store offsets and commit; then run post-commit effects.

    The fast path runs every handler in the one transaction without savepoints. Only when a
    handler fails on a poison record is the batch rolled back and run again record by record
    under savepoints, so the poison record alone is dead-lettered.
    """
    with BATCH_SECONDS.labels(spec.name).time():
        if spec.prepare is not None:
            await spec.prepare(_readable(batch))
        try:
            ctx = await _commit_batch(spec, db, producer, batch, replay=replay, isolate=False)
        except _PoisonRecord:
            ctx = await _commit_batch(spec, db, producer, batch, replay=replay, isolate=True)
    for effect in ctx.after_commit:
        try:
            await effect()
        except Exception as exc:  # a failed socket push must not stop the projection
            log.warning("post-commit effect failed", consumer=spec.name, error=repr(exc))


def _readable(batch: Mapping[TopicPartition, list[ConsumerRecord[Any, Any]]]) -> list[Envelope]:
    envelopes = []
    for records in batch.values():
        for record in records:
            try:
                envelopes.append(from_record(record.value, record.headers))
            except MalformedEvent:
                continue  # the handler pass dead-letters it
    return envelopes


class _PoisonRecord(Exception):
    """A handler failed on the fast path; the batch is redone with per-record savepoints."""


async def _commit_batch(
    spec: ConsumerSpec,
    db: Database,
    producer: Producer | None,
    batch: Mapping[TopicPartition, list[ConsumerRecord[Any, Any]]],
    *,
    replay: bool,
    isolate: bool,
) -> HandlerContext:
    async with db.transaction() as session:
        ctx = HandlerContext(session=session, replay=replay)
        done = await _stored_offsets(session, spec)
        for tp, records in batch.items():
            # Records at or below the stored offset were already projected (a retried batch,
            # a rebalance): skipping them keeps each record's effect exactly once.
            fresh = [r for r in records if r.offset > done.get((tp.topic, tp.partition), -1)]
            for record in fresh:
                await _handle(spec, ctx, record, isolate)
            if fresh:
                await _save_offset(session, spec, tp, fresh[-1].offset)
        if not isolate:
            try:
                await ctx.flush()
            except Exception as exc:  # a bad row in the buffers: find it record by record
                if retryable(exc):
                    raise
                raise _PoisonRecord from exc
        if spec.finish is not None:
            await spec.finish(ctx)
        if ctx.outbox and not replay:
            if producer is None:
                raise RuntimeError(f"{spec.name} produced output but has no producer")
            await producer.publish_many(ctx.outbox)
    return ctx


async def _handle(
    spec: ConsumerSpec, ctx: HandlerContext, record: ConsumerRecord[Any, Any], isolate: bool
) -> None:
    try:
        envelope = from_record(record.value, record.headers)
    except MalformedEvent as exc:
        _dead_letter(spec, ctx, record, str(exc))
        return
    handler = spec.handlers.get(envelope.type)
    EVENTS_CONSUMED.labels(spec.name, record.topic, envelope.type).inc()
    if handler is None:
        return  # a type this consumer does not project
    if not isolate:
        try:
            await handler(ctx, envelope)
        except Exception as exc:
            if retryable(exc):
                raise
            raise _PoisonRecord from exc
        return
    try:
        async with ctx.session.begin_nested():
            await handler(ctx, envelope)
            await ctx.flush()  # this record's rows only, inside its savepoint
    except Exception as exc:  # a poison record is parked, the stream keeps flowing
        if retryable(exc):
            raise
        ctx.discard()
        log.error("handler failed", consumer=spec.name, type=envelope.type, error=repr(exc))
        _dead_letter(spec, ctx, record, f"{type(exc).__name__}: {exc}")


def _dead_letter(
    spec: ConsumerSpec, ctx: HandlerContext, record: ConsumerRecord[Any, Any], reason: str
) -> None:
    DEAD_LETTERED.labels(spec.name, reason.split(":")[0][:40]).inc()
    event = EventDeadLettered(
        consumer=spec.name,
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        reason=reason[:500],
        record_key=record.key.decode(errors="replace") if record.key else None,
        record_value_b64=base64.b64encode(record.value or b"").decode(),
    )
    ident = derive_id(
        "dead-letter", spec.name, record.topic, str(record.partition), str(record.offset)
    )
    ctx.publish(DEAD_LETTERS, wrap(event, producer=spec.name, event_id=ident))


async def _stored_offsets(session: AsyncSession, spec: ConsumerSpec) -> dict[tuple[str, int], int]:
    table = spec.offsets
    rows = await session.execute(
        sa.select(table.c.topic, table.c.partition, table.c.offset).where(
            table.c.consumer == spec.name
        )
    )
    return {(r.topic, r.partition): r.offset for r in rows}


async def _save_offset(
    session: AsyncSession, spec: ConsumerSpec, tp: TopicPartition, offset: int
) -> None:
    table = spec.offsets
    where = (
        (table.c.consumer == spec.name)
        & (table.c.topic == tp.topic)
        & (table.c.partition == tp.partition)
    )
    result = await session.execute(sa.update(table).where(where).values(offset=offset))
    if result.rowcount == 0:  # type: ignore[attr-defined]
        await session.execute(
            sa.insert(table).values(
                consumer=spec.name, topic=tp.topic, partition=tp.partition, offset=offset
            )
        )


async def commit_to_kafka(
    consumer: AIOKafkaConsumer, batch: Mapping[TopicPartition, list[ConsumerRecord[Any, Any]]]
) -> None:
    """Best-effort Kafka commit after the database commit, so standard tooling can show lag."""
    # The database holds the truth; a failed commit here loses nothing.
    try:
        await consumer.commit({tp: records[-1].offset + 1 for tp, records in batch.items()})
    except KafkaError as exc:
        log.debug("kafka offset commit skipped", error=repr(exc))
