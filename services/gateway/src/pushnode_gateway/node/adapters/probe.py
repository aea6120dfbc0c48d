"""Reads for the node status: each service's /readyz over HTTP, end offsets and the decisions'
tail from Kafka. Short-lived clients per sample: nothing runs while nobody looks."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from pushnode_shared.infra.envelope import Envelope, MalformedEvent, from_record
from pushnode_shared.infra.kafka import topic_partitions
from pushnode_shared.infra.logging import get_logger
from pushnode_shared.protocol.topics import CATALOGUE, Topic

log = get_logger(__name__)
READYZ_TIMEOUT = 2.0
TAIL_SECONDS = 1.5


async def readyz_bodies(urls: dict[str, str]) -> dict[str, dict[str, Any] | None]:
    """Each service's /readyz JSON (a 503 still has one); None for no answer."""
    async with httpx.AsyncClient(timeout=READYZ_TIMEOUT) as client:
        bodies = await asyncio.gather(*(_readyz(client, url) for url in urls.values()))
    return dict(zip(urls, bodies, strict=True))


async def _readyz(client: httpx.AsyncClient, base: str) -> dict[str, Any] | None:
    try:
        response = await client.get(base.rstrip("/") + "/readyz")
        body = response.json()
    except (httpx.HTTPError, ValueError):
        return None
    return body if isinstance(body, dict) else None


class LogReader:
    """End offsets of every catalogue topic, and the last records of one topic."""

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap

    async def sample(
        self, tail_of: Topic, per_partition: int
    ) -> tuple[dict[str, list[int]], list[Envelope]]:
        """(topic -> end offset per partition, newest envelopes of `tail_of`); empty if down."""
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap,
            client_id="gateway-console",
            enable_auto_commit=False,
            request_timeout_ms=5000,
        )
        try:
            await consumer.start()
            partitions = await topic_partitions(self.bootstrap, CATALOGUE)
            consumer.assign(partitions)
            ends = await consumer.end_offsets(partitions)
            mine = [p for p in partitions if p.topic == tail_of.name]
            tail = await _tail(consumer, mine, ends, per_partition)
        except (KafkaError, OSError) as exc:
            log.info("console: Kafka not readable", error=repr(exc))
            return {}, []
        finally:
            await consumer.stop()
        offsets: dict[str, list[int]] = {t.name: [] for t in CATALOGUE}
        for tp in partitions:
            offsets[tp.topic].append(ends[tp])
        return offsets, tail


async def _tail(
    consumer: AIOKafkaConsumer,
    partitions: list[TopicPartition],
    ends: dict[TopicPartition, int],
    per_partition: int,
) -> list[Envelope]:
    """Read the last records of each partition (bounded in time: a dashboard, not a replay)."""
    if not partitions:
        return []
    starts = await consumer.beginning_offsets(partitions)
    for tp in partitions:
        consumer.seek(tp, max(starts[tp], ends[tp] - per_partition))
    found: list[Envelope] = []
    deadline = time.monotonic() + TAIL_SECONDS
    while time.monotonic() < deadline and await _behind(consumer, partitions, ends):
        batch = await consumer.getmany(*partitions, timeout_ms=200)
        for records in batch.values():
            for record in records:
                try:
                    found.append(from_record(record.value, record.headers))
                except MalformedEvent:
                    continue  # the validator dead-letters these; nothing to show
    return found


async def _behind(
    consumer: AIOKafkaConsumer, partitions: list[TopicPartition], ends: dict[TopicPartition, int]
) -> bool:
    for tp in partitions:
        if await consumer.position(tp) < ends[tp]:
            return True
    return False
