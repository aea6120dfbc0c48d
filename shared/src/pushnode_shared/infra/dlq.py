"""Operators' view of the dead-letters topic: list what was parked, replay it once fixed.

A replay appends the parked record's original key and bytes to its original topic (same key,
so the same partition), then records `DeadLetterReplayed` on the dead-letters topic itself, so
the log says what was replayed, when and by whom, and a second replay is refused unless forced.
Every consumer of that topic sees the record again; handlers are idempotent on the envelope id,
which the replayed bytes keep.
"""

from __future__ import annotations

import base64
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from pushnode_shared.infra.envelope import MalformedEvent, derive_id, from_record
from pushnode_shared.infra.kafka import Producer, batches_to_end, topic_partitions
from pushnode_shared.protocol.events import DeadLetterReplayed, EventDeadLettered, unwrap, wrap
from pushnode_shared.protocol.topics import DEAD_LETTERS


@dataclass(frozen=True)
class ParkedRecord:
    """One dead-letter as the operator sees it: where it is, what it was, whether replayed."""

    dlq_offset: int
    letter: EventDeadLettered
    replayed: bool

    def row(self) -> str:
        """One line for `pushnode dlq list`."""
        state = "replayed" if self.replayed else "parked"
        where = f"{self.letter.topic}[{self.letter.partition}]@{self.letter.offset}"
        return (
            f"{self.dlq_offset:>8}  {state:<8}  {self.letter.consumer:<22}  {where:<28}  "
            f"{self.letter.reason[:80]}"
        )


def fold_dead_letters(
    records: Iterable[tuple[int, EventDeadLettered | DeadLetterReplayed]],
) -> list[ParkedRecord]:
    """Pure: the dead-letters log (offset, event) → parked records, replays applied."""
    letters: dict[int, EventDeadLettered] = {}
    replayed: set[int] = set()
    for offset, event in records:
        if isinstance(event, EventDeadLettered):
            letters[offset] = event
        else:
            replayed.add(event.dlq_offset)
    return [ParkedRecord(o, letter, o in replayed) for o, letter in sorted(letters.items())]


def select(
    parked: Sequence[ParkedRecord],
    *,
    offsets: Sequence[int] = (),
    consumer: str | None = None,
    force: bool = False,
) -> list[ParkedRecord]:
    """Pure: which parked records a replay command means; replayed ones only when forced."""
    chosen = [
        p
        for p in parked
        if (not offsets or p.dlq_offset in offsets)
        and (consumer is None or p.letter.consumer == consumer)
    ]
    return [p for p in chosen if force or not p.replayed]


async def read_parked(bootstrap: str) -> list[ParkedRecord]:
    """Read the dead-letters topic from its start to today's end."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = await topic_partitions(bootstrap, [DEAD_LETTERS])
        if not partitions:
            return []
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        found: list[tuple[int, EventDeadLettered | DeadLetterReplayed]] = []
        async for batch in batches_to_end(consumer, ends):
            for records in batch.values():
                for record in records:
                    event = _decode(record.value, record.headers)
                    if event is not None:
                        found.append((record.offset, event))
        return fold_dead_letters(found)
    finally:
        await consumer.stop()


async def replay(
    bootstrap: str, chosen: Sequence[ParkedRecord], *, operator: str, progress: bool = True
) -> int:
    """Append each chosen record's original bytes to its topic, then mark it replayed."""
    raw = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    marks = Producer(bootstrap, "pushnode-dlq")
    await raw.start()
    await marks.start()
    try:
        for done, parked in enumerate(chosen, start=1):
            letter = parked.letter
            key = letter.record_key.encode() if letter.record_key is not None else None
            value = base64.b64decode(letter.record_value_b64)
            await raw.send_and_wait(letter.topic, value=value, key=key)
            mark = DeadLetterReplayed(
                dlq_offset=parked.dlq_offset, topic=letter.topic, operator=operator
            )
            ident = derive_id("dead-letter-replayed", str(parked.dlq_offset), str(done))
            await marks.publish(DEAD_LETTERS, wrap(mark, producer="pushnode-dlq", event_id=ident))
            if progress:
                print(f"\rreplayed {done}/{len(chosen)}", end="", file=sys.stderr)
        if progress and chosen:
            print(file=sys.stderr)
        return len(chosen)
    finally:
        await marks.stop()
        await raw.stop()


def _decode(
    value: bytes | None, headers: Sequence[tuple[str, bytes]]
) -> EventDeadLettered | DeadLetterReplayed | None:
    try:
        event = unwrap(from_record(value, headers))
    except MalformedEvent:
        return None  # nothing an operator could replay
    if isinstance(event, EventDeadLettered | DeadLetterReplayed):
        return event
    return None
