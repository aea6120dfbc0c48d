"""Poison records on every topic are parked on dead-letters, and notifications keep flowing.

Three kinds of garbage go to each topic a consumer reads: bytes that are not JSON, JSON nested
100,000 deep (it used to overflow a consumer's C stack), and JSON that is not an envelope; plus,
per topic, an envelope of every registered event type with an empty payload, which whichever
handler takes that type cannot read. Afterwards a fresh channel's notifications must reach the
subscriber's feed and socket, each once, and every garbage record must be on dead-letters.
"""

from __future__ import annotations

import asyncio
import base64
import os
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from eth_account import Account

from pushnode_shared.infra.envelope import Envelope, from_record, to_record
from pushnode_shared.protocol.events import EventDeadLettered, registered, unwrap
from pushnode_shared.protocol.topics import CATALOGUE, DEAD_LETTERS, Topic
from tests.e2e.conftest import RunningNode
from tests.e2e.test_notification_path import CHAIN_ID, RPC, wait_for
from tests.support.devchain import deploy_module, fresh_wallet
from tests.support.traffic import open_traffic

BOOTSTRAP = os.environ.get("KAFKA_BOOTSTRAP", "127.0.0.1:9092")
GARBAGE = {
    "not JSON": b"\x00\xff not json",
    "nested 100,000 deep": b"[" * 100_000 + b"]" * 100_000,
    "not an envelope": b'{"hello": "world"}',
}
READ_TOPICS = [topic for topic in CATALOGUE if topic is not DEAD_LETTERS]
Where = tuple[str, int, int]  # topic, partition, offset


def unreadable_envelopes() -> Iterator[tuple[bytes, list[tuple[str, bytes]]]]:
    """An envelope of each registered type whose payload no handler can read."""
    for event_type, version in registered():
        envelope = Envelope(
            event_id=str(uuid.uuid4()),
            type=event_type,
            schema_version=version,
            key=f"poison-{uuid.uuid4().hex[:8]}",
            occurred_at=datetime.now(UTC),
            producer="poison-test",
            payload={"poison": True},
        )
        _, body, headers = to_record(envelope)
        yield body, headers


async def send_poison() -> tuple[dict[Where, bytes], dict[str, set[Where]]]:
    """Garbage on every read topic: where each landed, and the typed ones per topic."""
    producer = AIOKafkaProducer(bootstrap_servers=BOOTSTRAP, max_request_size=2_000_000)
    await producer.start()
    garbage: dict[Where, bytes] = {}
    typed: dict[str, set[Where]] = {topic.name: set() for topic in READ_TOPICS}
    try:
        for topic in READ_TOPICS:
            for value in GARBAGE.values():
                garbage[await _send(producer, topic, value, [])] = value
            for body, headers in unreadable_envelopes():
                typed[topic.name].add(await _send(producer, topic, body, headers))
    finally:
        await producer.stop()
    return garbage, typed


async def _send(
    producer: AIOKafkaProducer, topic: Topic, value: bytes, headers: list[tuple[str, bytes]]
) -> Where:
    key = f"poison-{uuid.uuid4().hex[:8]}".encode()
    meta = await producer.send_and_wait(topic.name, value=value, key=key, headers=headers)
    return (meta.topic, meta.partition, meta.offset)


async def dead_letters_until(
    done: Callable[[dict[Where, list[EventDeadLettered]]], bool], seconds: float
) -> dict[Where, list[EventDeadLettered]]:
    """Every dead-letter on the topic, read again from the start until `done` says enough.

    Each pass reads to the end offsets it saw when it began: stopping as soon as some wanted
    records were found would miss letters parked later (after an outage, the consumers of one
    topic may park their records long after the others).
    """
    deadline = time.monotonic() + seconds
    while True:
        parked = await _all_dead_letters()
        if done(parked) or time.monotonic() >= deadline:
            return parked
        await asyncio.sleep(2)


async def _all_dead_letters() -> dict[Where, list[EventDeadLettered]]:
    consumer = AIOKafkaConsumer(bootstrap_servers=BOOTSTRAP, enable_auto_commit=False)
    await consumer.start()
    parked: dict[Where, list[EventDeadLettered]] = {}
    try:
        partitions = [TopicPartition(DEAD_LETTERS.name, p) for p in range(DEAD_LETTERS.partitions)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                for record in records:
                    event = unwrap(from_record(record.value, record.headers))
                    if not isinstance(event, EventDeadLettered):
                        continue  # an operator's DeadLetterReplayed marker shares the topic
                    where = (event.topic, event.partition, event.offset)
                    parked.setdefault(where, []).append(event)
    finally:
        await consumer.stop()
    return parked


async def all_ready(http: httpx.AsyncClient, node: RunningNode) -> list[str]:
    services = ["listener", "validator", "storage", "dispatcher", "gateway"]
    answers = [await http.get(node.service_url(s) + "/readyz") for s in services]
    return [s for s, r in zip(services, answers, strict=True) if r.status_code != 200]


async def test_poison_on_every_topic_is_dead_lettered_and_the_pipeline_keeps_flowing(
    node: RunningNode,
) -> None:
    garbage, typed = await send_poison()
    async with httpx.AsyncClient(timeout=15) as http:
        traffic = await open_traffic(node, http)
        try:
            await traffic.send(10)
            feed = await traffic.feed_gap(90)
            sockets = await traffic.socket_gap(30)
        finally:
            await traffic.close()
        not_ready = await all_ready(http, node)
    assert feed.closed, f"feed after poison: {feed}"
    assert sockets.closed, f"socket after poison: {sockets}"
    assert not_ready == []

    def every_record_parked(parked: dict[Where, list[EventDeadLettered]]) -> bool:
        return set(garbage) <= set(parked) and all(
            records & set(parked) for records in typed.values()
        )

    parked = await dead_letters_until(every_record_parked, 90)
    assert set(garbage) - set(parked) == set(), "garbage records no consumer dead-lettered"
    for where, value in garbage.items():
        for letter in parked[where]:  # the bytes are kept, to inspect or replay by hand
            assert base64.b64decode(letter.record_value_b64) == value
            assert letter.reason
    for topic, records in typed.items():
        assert records & set(parked), f"no unreadable envelope on {topic} was dead-lettered"


async def test_a_channel_with_a_nul_in_its_on_chain_identity_stalls_nothing(
    node: RunningNode,
) -> None:
    # Anyone can write any bytes into a channel's identity; PostgreSQL text refuses NUL.
    deploy = deploy_module()
    w3 = deploy.connect(RPC, CHAIN_ID)
    odd_key = fresh_wallet(w3, deploy)
    deploy.create_channel(w3, odd_key, b"1+bafkrei\x00nul")
    odd = Account.from_key(odd_key).address
    async with httpx.AsyncClient(timeout=15) as http:
        traffic = await open_traffic(node, http)  # created after it, on any partition
        try:
            await traffic.send(5)
            feed = await traffic.feed_gap(90)
        finally:
            await traffic.close()

        async def listed() -> dict[str, Any] | None:
            response = await http.get(f"{node.gateway}/apis/v1/channels/eip155:{CHAIN_ID}:{odd}")
            return response.json() if response.status_code == 200 else None

        channel = await wait_for("the odd channel listed", listed, 60)
    assert feed.closed, f"feed after the odd channel: {feed}"
    assert channel["channel"].lower().endswith(odd.lower()[2:])
