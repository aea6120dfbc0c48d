"""Scenario "ingest": signed notifications over HTTP until they arrive on a wallet's socket.

Every hop is real: gateway -> protocol-inputs -> validator -> storage (kubo) -> gateway feed
-> socket.io. Figures: sustained rate (all accepted and delivered / wall time) and latency from
POST to socket arrival (p50, p99). Ceilings, measured in the same run: raw aiokafka produce ->
consume of as many records of the same size on the same broker, and as many pinned raw-block
puts straight to kubo (storage puts every notification there before it reaches a feed).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import time
import uuid
from typing import Any

import httpx
import socketio
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from eth_account import Account
from prometheus_client.parser import text_string_to_metric_families

from pushnode_shared.infra.envelope import derive_id
from pushnode_shared.infra.ipfs import KuboClient
from pushnode_shared.infra.kafka import ensure_topics
from pushnode_shared.protocol.topics import Topic
from tests.bench.harness import Row, report
from tests.e2e.test_notification_path import CHAIN_ID, RPC, signed_payload, wait_for
from tests.support.devchain import deploy_module, fresh_wallet

GATEWAY = "http://127.0.0.1:4000"
KAFKA = "127.0.0.1:9092"
KUBO = "http://127.0.0.1:5001"
IN_FLIGHT = 32
SERVICE_PORTS = {"gateway": 4000, "validator": 4012, "storage": 4013}
STORAGE_PARALLEL = 16  # pushnode_storage.handlers.Handlers(parallel=16)


async def prepare(http: httpx.AsyncClient) -> tuple[str, str, str]:
    """A fresh channel and a subscriber, known to the listener; returns keys and Comm."""
    deploy = deploy_module()
    w3 = deploy.connect(RPC, CHAIN_ID)
    channel_key, user_key = fresh_wallet(w3, deploy), fresh_wallet(w3, deploy, push=0)
    deploy.create_channel(w3, channel_key, b"1+bafkreibenchchannel")
    block = deploy.subscribe(w3, user_key, Account.from_key(channel_key).address)["blockNumber"]
    await wait_for("the listener past the subscribe", lambda: listener_at(http, block), 60)
    return channel_key, user_key, deploy.comm_address(CHAIN_ID)


async def listener_at(http: httpx.AsyncClient, block: int) -> bool:
    body = (await http.get("http://127.0.0.1:4011/readyz")).json()
    found = re.search(r"cursor (-?\d+)", body["checks"].get(f"chain:{CHAIN_ID}", ""))
    return found is not None and int(found.group(1)) >= block


async def post_all(
    http: httpx.AsyncClient, bodies: list[dict[str, Any]], sent: dict[str, float]
) -> None:
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)

    async def worker() -> None:
        while not queue.empty():
            body = queue.get_nowait()
            sent[derive_id("notification", body["verificationProof"])] = time.perf_counter()
            response = await http.post(f"{GATEWAY}/apis/v1/payloads/", json=body)
            response.raise_for_status()

    await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))


async def measure_node(count: int) -> tuple[float, list[float]]:
    async with httpx.AsyncClient(timeout=30) as http:
        channel_key, user_key, comm = await prepare(http)
        user = Account.from_key(user_key).address
        bodies = [signed_payload(channel_key, comm, [user]) for _ in range(count)]
        arrived: dict[str, float] = {}
        done = asyncio.Event()
        client = socketio.AsyncClient(reconnection=False)

        def on_feed(item: dict[str, Any]) -> None:
            arrived[item["sid"]] = time.perf_counter()
            report(f"{len(sent):,} accepted, {len(arrived):,}/{count:,} on the socket")
            if len(arrived) >= count:
                done.set()

        client.on("userFeeds", on_feed)
        await client.connect(
            f"{GATEWAY}?address=eip155:{CHAIN_ID}:{user}", transports=["websocket"]
        )
        sent: dict[str, float] = {}
        started = time.perf_counter()
        await post_all(http, bodies, sent)
        await asyncio.wait_for(done.wait(), timeout=max(60, count / 20))
        elapsed = max(arrived.values()) - started
        await client.disconnect()
    latencies = [(arrived[sid] - sent[sid]) * 1000 for sid in sent]
    return count / elapsed, latencies


async def kafka_ceiling(count: int, size: int) -> float:
    topic = Topic(f"bench-raw-{uuid.uuid4().hex[:6]}", key="k", carries="bench", partitions=3)
    await ensure_topics(KAFKA, [topic])
    producer = AIOKafkaProducer(bootstrap_servers=KAFKA, acks="all", enable_idempotence=True)
    consumer = AIOKafkaConsumer(topic.name, bootstrap_servers=KAFKA, auto_offset_reset="earliest")
    await producer.start()
    await consumer.start()
    try:
        value = b"x" * size
        started = time.perf_counter()
        futures = [
            await producer.send(topic.name, value, key=str(n).encode()) for n in range(count)
        ]
        await asyncio.gather(*futures)
        received = 0
        while received < count:
            batch = await consumer.getmany(timeout_ms=1000)
            received += sum(len(r) for r in batch.values())
        return count / (time.perf_counter() - started)
    finally:
        await producer.stop()
        await consumer.stop()


async def kubo_ceiling(count: int, size: int) -> float:
    """Pinned raw-block puts straight to kubo, as many in flight as storage keeps (16): the
    rate storage's own stage cannot beat, whatever the rest of the node does."""
    kubo = KuboClient(KUBO)
    gate = asyncio.Semaphore(STORAGE_PARALLEL)
    run = uuid.uuid4().hex.encode()

    async def put(n: int) -> None:
        async with gate:
            await kubo.put(run + str(n).encode().rjust(size, b"."))

    try:
        started = time.perf_counter()
        await asyncio.gather(*(put(n) for n in range(count)))
        return count / (time.perf_counter() - started)
    finally:
        await kubo.aclose()


async def stage_times(http: httpx.AsyncClient) -> list[str]:
    """Each consumer's time handling batches, and kubo's put time, from the services' metrics:
    where a notification's time went (a stage busy for most of the run is the limit)."""
    lines = []
    for service, port in SERVICE_PORTS.items():
        text = (await http.get(f"http://127.0.0.1:{port + 5400}/metrics")).text  # internal port
        for family in text_string_to_metric_families(text):
            if family.name not in ("pushnode_batch_seconds", "pushnode_ipfs_put_seconds"):
                continue
            for name, (count, seconds) in sorted(_count_sum(family.samples).items()):
                if count:
                    lines.append(
                        f"{service}: {name} {seconds:.1f} s in {count:.0f}"
                        f" ({1000 * seconds / count:.0f} ms each)"
                    )
    return lines


def _count_sum(samples: Any) -> dict[str, tuple[float, float]]:
    """(count, sum) of a histogram's samples, per consumer label."""
    found: dict[str, dict[str, float]] = {}
    for sample in samples:
        name = sample.labels.get("consumer", "kubo put")
        for suffix in ("_count", "_sum"):
            if sample.name.endswith(suffix):
                found.setdefault(name, {})[suffix] = sample.value
    return {k: (v.get("_count", 0.0), v.get("_sum", 0.0)) for k, v in found.items()}


async def scenario(args: argparse.Namespace) -> list[Row]:
    rate, latencies = await measure_node(args.ingest_count)
    async with httpx.AsyncClient(timeout=10) as http:
        for line in await stage_times(http):
            print(f"[bench] ingest: {line}", file=sys.stderr)
    ceiling = await kafka_ceiling(args.ingest_count, 1200)
    kubo = await kubo_ceiling(args.ingest_count, 1200)
    cuts = statistics.quantiles(latencies, n=100)
    return [
        Row(
            "ingest",
            f"{args.ingest_count:,} notifications HTTP->socket",
            rate,
            "notif/s",
            ">= 1,000",
            ceiling,
        ),
        Row("ingest", "latency p50 (POST -> socket)", cuts[49], "ms", "-", None),
        Row("ingest", "latency p99 (POST -> socket)", cuts[98], "ms", "<= 500 @500/s", None),
        Row("ingest", "raw Kafka produce->consume (ceiling)", ceiling, "msgs/s", "-", None),
        Row("ingest", "kubo pinned block/put x16 (ceiling)", kubo, "puts/s", "-", None),
    ]
