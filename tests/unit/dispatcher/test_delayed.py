"""The retry consumer holds a record until it is due, pausing only that record's partition."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import sqlalchemy as sa
from aiokafka import ConsumerRecord, TopicPartition

from pushnode_dispatcher.adapters.delayed import DelayedConsumer, not_before_of, split_due
from pushnode_shared.infra.consumer import ConsumerSpec
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.envelope import to_record
from pushnode_shared.protocol.events import (
    DeliveryAttempted,
    DeliveryOutcome,
    DeliveryRetryScheduled,
    wrap,
)
from pushnode_shared.testing import FakeKafka

T0 = datetime(2026, 1, 1, tzinfo=UTC).timestamp()
P0, P1 = TopicPartition("deliveries", 0), TopicPartition("deliveries", 1)


def record(tp: TopicPartition, offset: int, due: float | None) -> ConsumerRecord[Any, Any]:
    if due is None:
        event: Any = DeliveryAttempted(
            notification_id="n",
            wallet="0xw",
            device_token="t",
            provider="fcm",
            outcome=DeliveryOutcome.DELIVERED,
            detail="",
            attempt=1,
        )
    else:
        event = DeliveryRetryScheduled(
            notification_id="n",
            wallet="0xw",
            device_token="t",
            provider="fcm",
            attempt=2,
            not_before=datetime.fromtimestamp(due, UTC),
            cid="c",
            channel="0xc",
            payload={},
        )
    key, value, headers = to_record(wrap(event, producer="test"))
    return ConsumerRecord(
        tp.topic, tp.partition, offset, 0, 0, key, value, None, len(key), len(value), headers
    )


def test_a_retry_record_is_due_at_its_not_before_and_anything_else_now() -> None:
    assert not_before_of(record(P0, 0, T0 + 5)) == T0 + 5
    assert not_before_of(record(P0, 0, None)) is None


def test_only_the_due_prefix_of_each_partition_is_handled() -> None:
    batch = {
        P0: [
            record(P0, 0, None),
            record(P0, 1, T0 - 1),
            record(P0, 2, T0 + 5),
            record(P0, 3, None),
        ],
        P1: [record(P1, 7, T0 + 2)],
    }
    due, held = split_due(batch, not_before_of, T0)
    assert {tp: [r.offset for r in rs] for tp, rs in due.items()} == {P0: [0, 1]}
    assert held == {P0: (2, T0 + 5), P1: (7, T0 + 2)}


def consumer(clock: list[float]) -> DelayedConsumer:
    spec = ConsumerSpec("r", (), {}, sa.Table("t", sa.MetaData()))
    db = cast(Database, None)  # never touched by hold/release
    return DelayedConsumer(spec, db, None, "", not_before_of, clock=lambda: clock[0])


def test_a_held_partition_is_paused_at_its_record_and_resumed_when_due() -> None:
    clock = [T0]
    runner, kafka = consumer(clock), FakeKafka(P0, P1)
    runner._hold(kafka, {P0: (2, T0 + 5)})  # type: ignore[arg-type]
    assert (kafka.positions, kafka.paused) == ({P0: 2}, {P0})
    assert runner._wait_ms() == 500

    clock[0] = T0 + 4.9
    runner._release(kafka)  # type: ignore[arg-type]
    assert kafka.paused == {P0} and runner._wait_ms() == 100

    clock[0] = T0 + 5
    runner._release(kafka)  # type: ignore[arg-type]
    assert kafka.paused == set() and runner.held == {}


def test_a_revoked_partition_is_neither_held_nor_resumed() -> None:
    runner, kafka = consumer([T0]), FakeKafka(P1)
    runner._hold(kafka, {P0: (2, T0 + 5)})  # type: ignore[arg-type]
    assert kafka.paused == set() and runner.held == {}
