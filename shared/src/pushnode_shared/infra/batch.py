"""One batch, one transaction: handlers, projection rows, output and offsets together.

Each batch runs in one database transaction. Handlers change rows and queue output
envelopes; output is published (and acknowledged) before the transaction commits, so a
crash between the two replays the batch and re-publishes the same deterministic event ids,
which downstream consumers treat idempotently. Effects that must follow the commit (socket
pushes) are queued separately and skipped during a rebuild.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from aiokafka import ConsumerRecord, TopicPartition

from pushnode_shared.infra.context import ConsumerSpec, HandlerContext, retryable
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.envelope import Envelope, MalformedEvent, derive_id, from_record
from pushnode_shared.infra.kafka import Producer
from pushnode_shared.infra.logging import get_logger
from pushnode_shared.infra.metrics import BATCH_SECONDS, DEAD_LETTERED, EVENTS_CONSUMED
from pushnode_shared.infra.offsets import save_offset, stored_offsets
from pushnode_shared.protocol.events import EventDeadLettered, wrap
from pushnode_shared.protocol.topics import DEAD_LETTERS

log = get_logger(__name__)


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
        done = await stored_offsets(session, spec)
        for tp, records in batch.items():
            # Records at or below the stored offset were already projected (a retried batch,
            # a rebalance): skipping them keeps each record's effect exactly once.
            fresh = [r for r in records if r.offset > done.get((tp.topic, tp.partition), -1)]
            for record in fresh:
                await _handle(spec, ctx, record, isolate)
            if fresh:
                await save_offset(session, spec, tp, fresh[-1].offset)
        if not isolate:
            try:
                await ctx.flush()
            except Exception as exc:  # a bad row in the buffers: find it record by record
                if retryable(exc):
                    raise
                raise _PoisonRecord from exc
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
