"""The broker or kubo goes away while notifications flow: users still get each one, once.

Every notification carries a unique uid; the check compares the uids the gateway acknowledged
with those the subscriber's feed and socket show. The test puts the component back even when
it fails. `make test` runs short outages; `make test-reliability` runs the same tests with
RELIABILITY_SCALE=10 (ten times the notifications) and kubo down for 30 s.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from tests.e2e.conftest import RunningNode
from tests.support.traffic import Traffic, open_traffic, stack

SCALE = int(os.environ.get("RELIABILITY_SCALE", "1"))
KUBO_DOWN_SECONDS = float(os.environ.get("RELIABILITY_KUBO_DOWN_SECONDS", "4"))
KAFKA_DOWN_SECONDS = float(os.environ.get("RELIABILITY_KAFKA_DOWN_SECONDS", "2"))
CATCH_UP_SECONDS = 120 * SCALE
pytestmark = pytest.mark.timeout(300 * SCALE)


@asynccontextmanager
async def stopped(component: str) -> AsyncIterator[None]:
    """The component is down inside the block, and back up (and ready) after it, always."""
    started = time.monotonic()
    await asyncio.to_thread(stack, "down", component)
    try:
        yield
    finally:
        await asyncio.to_thread(stack, "up", component)
        print(f"{component} away for {time.monotonic() - started:.1f} s (stop, wait, start)")


async def outage(component: str, seconds: float) -> None:
    async with stopped(component):
        await asyncio.sleep(seconds)


async def assert_users_saw_each_once_in_order(traffic: Traffic) -> None:
    started = time.monotonic()
    feed = await traffic.feed_gap(CATCH_UP_SECONDS)
    print(
        f"{len(traffic.acknowledged)} acknowledged, all in the feed"
        f" {time.monotonic() - started:.1f} s after the last; retried: {dict(traffic.refusals)}"
    )
    assert feed.closed, f"feed: {feed} (retries: {traffic.refusals})"
    sockets = await traffic.socket_gap(30)
    assert sockets.closed, f"socket: {sockets}"
    # One channel is one partition: the socket and the feed (newest first) keep send order.
    assert traffic.socket_uids() == traffic.in_order
    assert list(reversed(await traffic.feed_uids())) == traffic.in_order


async def test_notifications_across_a_broker_restart_are_neither_lost_nor_doubled(
    node: RunningNode,
) -> None:
    async with httpx.AsyncClient(timeout=15) as http:
        traffic = await open_traffic(node, http)
        try:
            sending = asyncio.create_task(traffic.send(40 * SCALE))
            await traffic.acknowledged_at_least(10 * SCALE)
            await outage("kafka", KAFKA_DOWN_SECONDS)
            await sending
            await assert_users_saw_each_once_in_order(traffic)
        finally:
            await traffic.close()
    assert len(traffic.acknowledged) == 40 * SCALE


async def test_notifications_while_kubo_is_down_arrive_once_it_is_back(node: RunningNode) -> None:
    async with httpx.AsyncClient(timeout=15) as http:
        traffic = await open_traffic(node, http)
        try:
            await traffic.send(10 * SCALE)
            async with stopped("kubo"):
                # Accepted and validated now; stored (and so in feeds) once kubo is back.
                await traffic.send(10 * SCALE)
                await asyncio.sleep(KUBO_DOWN_SECONDS)
            await traffic.send(10 * SCALE)
            await assert_users_saw_each_once_in_order(traffic)
        finally:
            await traffic.close()
    assert len(traffic.acknowledged) == 30 * SCALE
