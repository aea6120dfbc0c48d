"""A flood of deliveries behind the gateway: /readyz stays 200 and reads keep answering."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
from aiokafka import TopicPartition

from pushnode_gateway import bootstrap as gateway_bootstrap
from pushnode_gateway.app import create_app
from pushnode_gateway.config import Settings
from pushnode_gateway.sockets.server import FeedSockets
from pushnode_shared.infra.consumer import ProjectionConsumer
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.ipfs import MemoryBlockStore
from pushnode_shared.infra.service import Node, add_standard_checks
from pushnode_shared.protocol.topics import DELIVERIES
from pushnode_shared.testing import InMemoryProducer


def flooded(node: Node) -> ProjectionConsumer:
    """The deliveries projection 100,000 records behind and, worse, stuck for an hour."""
    spec = next(s for s in node.consumers if DELIVERIES in s.topics)
    runner = ProjectionConsumer(spec, node.db, None, "kafka:9092")
    runner.assigned = True
    runner.lag = {TopicPartition(DELIVERIES.name, p): 100_000 for p in range(12)}
    runner.last_progress = time.monotonic() - 3600
    runner.last_broker_contact = time.monotonic()
    return runner


async def test_a_flood_of_deliveries_leaves_readyz_200_and_reads_answering(
    database: Database, tmp_path: Path
) -> None:
    settings = Settings(PUSHNODE_DATA_DIR=tmp_path)
    node = await gateway_bootstrap.bootstrap(settings)
    try:
        node.runners = [flooded(node)]
        add_standard_checks(node)
        app = create_app(
            settings,
            InMemoryProducer(),  # type: ignore[arg-type]
            database,
            FeedSockets(),
            node.readiness,
            MemoryBlockStore(),
        )
        node.readiness.checks.pop("live feed")  # the socket follower needs Kafka; not this test's
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            ready = await client.get("/readyz")
            read = await client.get("/apis/v1/channels?page=1&limit=10")
    finally:
        if node.producer is not None:
            await node.producer.stop()  # never started; aiokafka warns unless closed
        await node.resources.aclose()
        await node.db.dispose()
    assert ready.status_code == 200, ready.json()
    assert ready.json()["checks"]["consumer:gateway-deliveries"].startswith("ok: stuck")
    assert read.status_code == 200
