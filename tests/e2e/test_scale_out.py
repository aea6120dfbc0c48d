"""Two processes each of the validator, storage and dispatcher share the partitions; one of
each is SIGKILLed while notifications flow: nothing is lost, nothing shown twice, and the state
they built hashes the same as the one a single process rebuilds from the log."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import RunningNode
from tests.e2e.test_crash import pushed_uids
from tests.e2e.test_delivery import registered_phone
from tests.e2e.test_notification_path import _pushes, wait_for
from tests.support.traffic import Traffic, prepare_traffic, settled

SCALED = ["validator", "storage", "dispatcher"]
PORTS = {"validator": 4012, "storage": 4013, "dispatcher": 4014}
COUNT = 40
SETTLE_SECONDS = 120
pytestmark = pytest.mark.timeout(600)


def replica_url(service: str) -> str:
    """The second process of a service (devstack/bin/node replica <service> 1: port + 100)."""
    return f"http://127.0.0.1:{PORTS[service] + 100}"


async def caught_up(http: httpx.AsyncClient, service: str) -> bool:
    """Every consumer of the surviving process at lag 0 (the retry consumer needs only be ok)."""
    try:
        checks: dict[str, str] = (await http.get(replica_url(service) + "/readyz")).json()["checks"]
    except httpx.HTTPError:
        return False
    consumers = [c for name, c in checks.items() if name.startswith("consumer:")]
    return all(c.startswith("ok") and ("lag" not in c or c.endswith("lag 0")) for c in consumers)


async def flow_killing_one_of_each(node: RunningNode, traffic: Traffic) -> None:
    """COUNT notifications; at half of them the first process of each scaled service dies."""
    sending = asyncio.create_task(traffic.send(COUNT, pause=0.05))
    await traffic.acknowledged_at_least(COUNT // 2, seconds=300)
    for service in SCALED:
        await asyncio.to_thread(node.script, "kill", service)
    print(f"killed {SCALED} at {len(traffic.acknowledged)} acknowledged")
    await sending


def one_process_each(node: RunningNode) -> None:
    """The replicas stopped and the node's own processes running (no-ops where so already)."""
    for service in SCALED:
        node.script("stop", f"{service}-replica-1")
        node.script("start", service)


def rebuilt_equals_live(node: RunningNode, service: str) -> tuple[str, str]:
    """Stop the survivor; the live state's hash, and the hash once one process rebuilt it."""
    node.script("stop", f"{service}-replica-1")
    try:
        live = node.pushnode("state-hash", service)
        node.pushnode("rebuild", service)
        return live, node.pushnode("state-hash", service)
    finally:
        node.script("start", service)


async def test_two_replicas_one_killed_lose_nothing_double_nothing_and_hash_the_same(
    node: RunningNode,
) -> None:
    async with httpx.AsyncClient(timeout=15) as http:
        traffic = await prepare_traffic(node, http)
        phone = await registered_phone(http, node, traffic.subscriber_key, "scale")

        async def pushes() -> list[str]:
            return pushed_uids(await _pushes(http, node, phone), await traffic.uid_by_sid())

        async def pushed_first() -> Any:
            return first in await pushes()

        first = await traffic.send_one()  # the phone is known to the dispatcher from here
        await wait_for("the first push", pushed_first, 60)
        try:
            for service in SCALED:
                await asyncio.to_thread(node.script, "replica", service, "1")
            started = time.monotonic()
            await flow_killing_one_of_each(node, traffic)
            feed = await traffic.feed_gap(SETTLE_SECONDS)
            phone_gap = await settled(pushes, traffic.acknowledged, SETTLE_SECONDS, poll=2, grace=2)
            print(f"{len(traffic.acknowledged)} acknowledged in {time.monotonic() - started:.0f} s")
            for service in SCALED:
                await wait_for(f"{service} caught up", lambda s=service: caught_up(http, s), 120)
            hashes = {service: rebuilt_equals_live(node, service) for service in SCALED}
        finally:  # whatever failed: one process of each again, as the next tests expect
            await asyncio.to_thread(one_process_each, node)
    assert len(traffic.acknowledged) == COUNT + 1
    assert feed.closed, f"feed: {feed}"
    assert not phone_gap.missing and not phone_gap.unexpected, f"pushes: {phone_gap}"
    # README "Guarantees": a SIGKILLed dispatcher may repeat the one push of its crash window.
    assert len(phone_gap.duplicated) <= 1, f"pushes: {phone_gap}"
    for service, (live, rebuilt) in hashes.items():
        assert live == rebuilt, f"{service}: live {live} but rebuilt by one process {rebuilt}"
