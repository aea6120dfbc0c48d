"""The console's Kafka reads on the real broker: end offsets of every topic, the decisions' tail."""

from __future__ import annotations

import uuid

from pushnode_gateway.node.adapters.probe import LogReader
from pushnode_shared.infra.kafka import Producer, ensure_topics
from pushnode_shared.protocol.events import NotificationRejected, RejectReason, wrap
from pushnode_shared.protocol.topics import CATALOGUE, PROTOCOL_DECISIONS


async def test_the_tail_holds_the_newest_decisions_and_every_topic_has_end_offsets(
    kafka: str,
) -> None:
    await ensure_topics(kafka)
    reader = LogReader(kafka)
    before, _ = await reader.sample(PROTOCOL_DECISIONS, per_partition=5)
    producer = Producer(kafka, "itest-console")
    await producer.start()
    ids = [f"console-{uuid.uuid4()}" for _ in range(4)]
    try:
        for i, event_id in enumerate(ids):
            rejected = NotificationRejected(
                notification_id=event_id,
                channel=f"0x{i:040x}",
                reason=RejectReason.BAD_SIGNATURE,
                detail="itest",
            )
            await producer.publish(PROTOCOL_DECISIONS, wrap(rejected, producer="itest"))
    finally:
        await producer.stop()

    after, tail = await reader.sample(PROTOCOL_DECISIONS, per_partition=5)

    assert sorted(after) == sorted(t.name for t in CATALOGUE)
    assert len(after["protocol-decisions"]) == PROTOCOL_DECISIONS.partitions
    assert sum(after["protocol-decisions"]) == sum(before["protocol-decisions"]) + 4
    assert set(ids) <= {e.payload.get("notification_id") for e in tail}
