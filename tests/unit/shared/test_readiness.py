"""Readiness means "can serve": lag is shown, only a stuck consumer fails, and only a worker's."""

from __future__ import annotations

import time
from pathlib import Path

import sqlalchemy as sa
from aiokafka import TopicPartition

from pushnode_shared.infra.consumer import ConsumerSpec, ProjectionConsumer
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.service import Node, add_standard_checks, consumer_check, kafka_check
from pushnode_shared.infra.settings import SharedSettings
from pushnode_shared.protocol.topics import DELIVERIES
from pushnode_shared.testing import InMemoryProducer

STUCK_AFTER = 300.0
OFFSETS = sa.Table(
    "t_consumer_offsets",
    sa.MetaData(),
    sa.Column("consumer", sa.String, primary_key=True),
)


def consumer(lag: int, idle_seconds: float) -> ProjectionConsumer:
    """A consumer `lag` records behind that last committed `idle_seconds` ago, Kafka answering."""
    spec = ConsumerSpec(name="deliveries", topics=(DELIVERIES,), handlers={}, offsets=OFFSETS)
    runner = ProjectionConsumer(spec, None, None, "kafka:9092")  # type: ignore[arg-type]
    runner.assigned = True
    runner.lag = {TopicPartition(DELIVERIES.name, 0): lag}
    now = time.monotonic()
    runner.last_progress = now - idle_seconds
    runner.last_broker_contact = now
    return runner


async def test_a_worker_far_behind_but_committing_is_ready() -> None:
    ready, detail = await consumer_check(consumer(100_000, 1), STUCK_AFTER, gates=True)
    assert ready and detail == "lag 100000"


async def test_a_worker_behind_that_committed_nothing_for_too_long_is_stuck_and_not_ready() -> None:
    ready, detail = await consumer_check(consumer(5, STUCK_AFTER + 60), STUCK_AFTER, gates=True)
    assert not ready and detail.startswith("stuck: lag 5")


async def test_a_caught_up_consumer_is_never_stuck_however_long_it_has_been_idle() -> None:
    ready, _ = await consumer_check(consumer(0, 86_400), STUCK_AFTER, gates=True)
    assert ready


async def test_an_http_service_stays_ready_with_a_stuck_consumer_and_says_so() -> None:
    ready, detail = await consumer_check(consumer(7, STUCK_AFTER + 60), STUCK_AFTER, gates=False)
    assert ready and detail.startswith("stuck")


async def test_kafka_silent_for_long_makes_a_service_not_ready() -> None:
    quiet = consumer(0, 0)
    quiet.last_broker_contact = time.monotonic() - 600
    ready, detail = await kafka_check([quiet])
    assert not ready and "no answer from Kafka" in detail


async def test_a_flood_of_deliveries_leaves_an_http_service_ready(tmp_path: Path) -> None:
    settings = SharedSettings(PUSHNODE_DATA_DIR=tmp_path)
    db = Database(settings.db_url(), "t", tmp_path)
    node = Node(settings, db, InMemoryProducer(), [], [], [], stuck_consumers_fail_readiness=False)  # type: ignore[arg-type]
    node.runners = [consumer(100_000, STUCK_AFTER * 10)]
    add_standard_checks(node)
    try:
        ready, results = await node.readiness.report()
    finally:
        await db.dispose()
    assert ready, results
    assert set(results) == {"database", "kafka", "consumer:deliveries"}


class Broker:
    """The end offsets and positions a consumer asks Kafka for, in memory."""

    def __init__(self, ends: dict[TopicPartition, int], positions: dict[TopicPartition, int]):
        self.ends, self.positions = ends, positions

    def assignment(self) -> set[TopicPartition]:
        return set(self.ends)

    async def end_offsets(self, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
        return {tp: self.ends[tp] for tp in tps}

    async def position(self, tp: TopicPartition) -> int:
        return self.positions[tp]

    async def topics(self) -> set[str]:
        return {DELIVERIES.name}


async def test_reaching_the_end_counts_as_progress_however_long_since_the_last_batch() -> None:
    runner = consumer(5, STUCK_AFTER * 10)
    tp = TopicPartition(DELIVERIES.name, 0)
    await runner._update_lag(Broker({tp: 40}, {tp: 40}))
    assert runner.stuck_for(time.monotonic() + STUCK_AFTER) == 0


async def test_a_member_without_partitions_still_shows_kafka_answering() -> None:
    runner = consumer(0, 0)
    runner.last_broker_contact = 0.0
    await runner._update_lag(Broker({}, {}))
    assert (await kafka_check([runner]))[0]
