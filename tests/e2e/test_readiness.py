"""A flood of deliveries behind the gateway: its /readyz stays 200 and reads keep answering
while the deliveries projection is far behind (readiness means "can serve", not "caught up")."""

from __future__ import annotations

import asyncio
import os
import re
import uuid

import httpx
import pytest

from pushnode_shared.infra.kafka import Producer
from pushnode_shared.protocol.events.base import wrap
from pushnode_shared.protocol.events.devices import DeliveryAttempted, DeliveryOutcome
from pushnode_shared.protocol.topics import DELIVERIES
from tests.e2e.conftest import RunningNode

FLOOD = 12_000  # one notification to 12,000 devices
LAG = re.compile(r"lag (\d+)")
MAX_PROBES = 2000  # the flood is folded long before; past it the assertions say why
pytestmark = pytest.mark.timeout(600)


async def flood_deliveries(bootstrap: str) -> None:
    """FLOOD DeliveryAttempted records of one notification, as the dispatcher writes them."""
    notification = f"e2e-flood-{uuid.uuid4().hex}"
    producer = Producer(bootstrap, "e2e-flood")
    await producer.start()
    try:
        for start in range(0, FLOOD, 1000):
            events = [
                DeliveryAttempted(
                    notification_id=notification,
                    wallet=f"eip155:0x{n:040x}",
                    device_token=f"flood-{n}",
                    provider="fcm",
                    outcome=DeliveryOutcome.DELIVERED,
                    detail="",
                    attempt=1,
                    platform="android",
                )
                for n in range(start, start + 1000)
            ]
            await producer.publish_many([(DELIVERIES, wrap(e, producer="e2e")) for e in events])
    finally:
        await producer.stop()


async def test_a_flood_of_deliveries_leaves_readyz_200_and_reads_answering(
    node: RunningNode,
) -> None:
    bootstrap = node.env.get("KAFKA_BOOTSTRAP", os.environ.get("KAFKA_BOOTSTRAP", "127.0.0.1:9092"))
    flooding = asyncio.create_task(flood_deliveries(bootstrap))
    statuses: list[tuple[int, int]] = []
    worst_lag = 0
    async with httpx.AsyncClient(base_url=node.gateway, timeout=10) as http:
        while True:
            ready = await http.get("/readyz")
            read = await http.get("/apis/v1/channels", params={"page": 1, "limit": 10})
            statuses.append((ready.status_code, read.status_code))
            detail = ready.json()["checks"].get("consumer:gateway-deliveries", "")
            lag = int(found.group(1)) if (found := LAG.search(detail)) else 0
            worst_lag = max(worst_lag, lag)
            if flooding.done() and ((worst_lag > 0 and lag == 0) or len(statuses) > MAX_PROBES):
                break
            await asyncio.sleep(0.2)
    await flooding
    print(f"{len(statuses)} probes; the deliveries projection was up to {worst_lag} behind")
    assert worst_lag > 0, "the flood never showed as lag: the test proved nothing"
    assert set(statuses) == {(200, 200)}, statuses
