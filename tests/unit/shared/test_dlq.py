"""The operators' dead-letter view: what is parked, what a replay command picks."""

from __future__ import annotations

import base64

from pushnode_shared.infra.dlq import ParkedRecord, fold_dead_letters, select
from pushnode_shared.protocol.events import DeadLetterReplayed, EventDeadLettered


def letter(consumer: str, offset: int) -> EventDeadLettered:
    return EventDeadLettered(
        consumer=consumer,
        topic="protocol-inputs",
        partition=0,
        offset=offset,
        reason="ValueError: boom",
        record_key="0xabc",
        record_value_b64=base64.b64encode(b"{}").decode(),
    )


def replayed(dlq_offset: int) -> DeadLetterReplayed:
    return DeadLetterReplayed(dlq_offset=dlq_offset, topic="protocol-inputs", operator="ops")


def test_a_replay_mark_turns_its_record_from_parked_to_replayed() -> None:
    parked = fold_dead_letters(
        [(0, letter("validator", 7)), (1, letter("storage", 9)), (2, replayed(0))]
    )
    assert [(p.dlq_offset, p.replayed) for p in parked] == [(0, True), (1, False)]


def test_a_replay_skips_records_already_replayed_unless_forced() -> None:
    parked = [ParkedRecord(0, letter("validator", 7), True), ParkedRecord(1, letter("v", 8), False)]
    assert [p.dlq_offset for p in select(parked)] == [1]
    assert [p.dlq_offset for p in select(parked, force=True)] == [0, 1]


def test_a_replay_can_be_narrowed_to_offsets_or_a_consumer() -> None:
    parked = fold_dead_letters(
        [(n, letter("validator" if n % 2 else "storage", n)) for n in range(6)]
    )
    assert [p.dlq_offset for p in select(parked, offsets=[2, 3])] == [2, 3]
    assert [p.dlq_offset for p in select(parked, consumer="validator")] == [1, 3, 5]
    assert select(parked, offsets=[3], consumer="storage") == []


def test_a_listed_row_names_consumer_place_and_reason() -> None:
    row = ParkedRecord(12, letter("validator", 7), False).row()
    assert "validator" in row and "protocol-inputs[0]@7" in row and "ValueError" in row
    assert row.split()[0:2] == ["12", "parked"]
