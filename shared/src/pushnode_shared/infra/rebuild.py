"""Rebuild: drop a service's projection and replay its topics from offset 0 to today's end."""

from __future__ import annotations

import sys
import time

from aiokafka import AIOKafkaConsumer, TopicPartition

from pushnode_shared.infra.batch import process_batch
from pushnode_shared.infra.context import ConsumerSpec
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.kafka import batches_to_end, topic_partitions


async def replay(spec: ConsumerSpec, db: Database, bootstrap: str, *, progress: bool = True) -> int:
    """Feed every record up to the current end offsets through the live handlers, no output.

    The same process_batch as the live consumer runs, so there is no second code path; only
    publishing and post-commit effects are off, because decisions are already on the log.
    """
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, isolation_level="read_committed"
    )
    await consumer.start()
    try:
        partitions = await topic_partitions(bootstrap, spec.topics)
        if not partitions:
            return 0
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        return await _drain(spec, db, consumer, ends, progress)
    finally:
        await consumer.stop()


async def _drain(
    spec: ConsumerSpec,
    db: Database,
    consumer: AIOKafkaConsumer,
    ends: dict[TopicPartition, int],
    progress: bool,
) -> int:
    total = sum(ends.values())
    done, started = 0, time.monotonic()
    async for batch in batches_to_end(consumer, ends):
        await process_batch(spec, db, None, batch, replay=True)
        done += sum(len(r) for r in batch.values())
        if progress:
            rate = done / max(time.monotonic() - started, 1e-6)
            print(f"\r{spec.name}: {done}/{total} records ({rate:,.0f}/s)", end="", file=sys.stderr)
    if progress:
        print(file=sys.stderr)
    return done
