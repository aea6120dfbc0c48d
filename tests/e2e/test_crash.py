"""SIGKILL each of the five services in turn while notifications flow: none is lost, none is
shown twice, and each service catches up after its restart.

One channel sends to one subscriber who has a phone registered and a socket open. The flow is
cut in six parts; after each of the first five one service is SIGKILLed (a few senders still
waiting for their answers), the next part is sent while it is down, then it is started again and
the time until it is ready is measured. Afterwards the acknowledged uids are compared with what
the subscriber saw: the feed over HTTP, the socket (which reconnects with a since cursor when
the gateway dies, as a careful client does) and the pushes at the FCM emulator, where the
dispatcher may repeat the one push its crash window allows (README, "Guarantees").

`make test` sends a few notifications; `make test-reliability` sends 10,000 and fails when a
service takes longer than RELIABILITY_CATCH_UP_SECONDS to be ready after its restart.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import RunningNode
from tests.e2e.test_delivery import registered_phone
from tests.e2e.test_notification_path import CHAIN_ID, _pushes, wait_for
from tests.support.catch_up import CatchUp, restart
from tests.support.resuming_socket import ResumingSocket
from tests.support.traffic import Gap, Seen, Traffic, prepare_traffic, settled

VICTIMS = ["validator", "storage", "gateway", "dispatcher", "listener"]
COUNT = int(os.environ.get("RELIABILITY_CRASH_NOTIFICATIONS", "60"))
DOWN_SECONDS = float(os.environ.get("RELIABILITY_CRASH_DOWN_SECONDS", "1"))
_limit = os.environ.get("RELIABILITY_CATCH_UP_SECONDS")
CATCH_UP_LIMIT = float(_limit) if _limit else None
SENDERS = 16 if COUNT >= 1000 else 4
# Notifications per second across all senders (0: as fast as they go). Catch-up is only
# defined below the pipeline's sustained rate: above it every stage falls behind for good.
RATE = float(os.environ.get("RELIABILITY_CRASH_RATE", "0"))
SETTLE_SECONDS = 60 + COUNT / 20
pytestmark = pytest.mark.timeout(300 + COUNT * 0.2)


async def whole_inbox(http: httpx.AsyncClient, node: RunningNode, who: str) -> list[Any]:
    """Every item of a wallet's inbox, newest first (tests/e2e/test_validator_rules.py uses it)."""
    url = f"{node.gateway}/apis/v1/users/eip155:{CHAIN_ID}:{who}/feeds"
    items: list[Any] = []
    for page in range(1, 10):
        response = await http.get(url, params={"limit": 50, "page": page})
        if response.status_code != 200:
            return []
        batch = response.json()["feeds"]
        items.extend(batch)
        if len(batch) < 50:
            break
    return items


def pushed_uids(pushes: list[Any], sids: dict[str, str]) -> list[str]:
    """The sender's uid of each push, through the sid in Push's `details` field."""
    details = [json.loads(p["message"]["data"]["details"]) for p in pushes]
    return [sids.get(d["info"]["sid"], d["info"]["sid"]) for d in details]


class Flow:
    """COUNT notifications in len(VICTIMS) + 1 parts; part n + 1 waits for the n-th kill.
    Paced at RATE per second when RATE is set."""

    def __init__(self, traffic: Traffic, count: int) -> None:
        self.traffic = traffic
        self.count = count
        self.part = count // (len(VICTIMS) + 1)
        self.killed = [asyncio.Event() for _ in VICTIMS]
        self._next = 0
        self._slot = time.monotonic()

    def kill_due(self, kill: int) -> int:
        """Acknowledged count at which kill number `kill` falls: a few senders still out."""
        return (kill + 1) * self.part - SENDERS // 2

    async def run(self) -> None:
        await asyncio.gather(*(self._sender() for _ in range(SENDERS)))

    async def _sender(self) -> None:
        while self._next < self.count:
            index, self._next = self._next, self._next + 1
            kills_before = min(index // self.part, len(VICTIMS))
            if kills_before:
                await self.killed[kills_before - 1].wait()
            if RATE:
                self._slot = max(time.monotonic(), self._slot + 1 / RATE)
                await asyncio.sleep(self._slot - time.monotonic())
            await self.traffic.send_one()


async def kill_each_in_turn(node: RunningNode, flow: Flow) -> list[CatchUp]:
    catch_ups = []
    try:
        for kill, victim in enumerate(VICTIMS):
            await flow.traffic.acknowledged_at_least(flow.kill_due(kill), seconds=600)
            await asyncio.to_thread(node.script, "kill", victim)
            flow.killed[kill].set()
            print(f"{victim} SIGKILLed at {len(flow.traffic.acknowledged)} acknowledged")
            await asyncio.sleep(DOWN_SECONDS)
            catch_up = await restart(node, flow.traffic.http, victim)
            print(catch_up.describe())
            catch_ups.append(catch_up)
    finally:  # a failure mid-way must not leave a service down for the tests after it
        for victim in VICTIMS:
            await asyncio.to_thread(node.script, "start", victim)  # a no-op when running
    return catch_ups


async def what_the_subscriber_saw(
    traffic: Traffic, on_socket: Seen, pushes: Seen
) -> tuple[Gap, Gap, Gap]:
    """Feed, socket and phone against the acknowledged uids, once each has settled."""
    feed = await traffic.feed_gap(SETTLE_SECONDS)
    sockets = await settled(on_socket, traffic.acknowledged, SETTLE_SECONDS, poll=2, grace=2)
    return (
        feed,
        sockets,
        await settled(pushes, traffic.acknowledged, SETTLE_SECONDS, poll=2, grace=2),
    )


async def test_each_service_killed_in_turn_loses_and_duplicates_nothing(
    node: RunningNode,
) -> None:
    async with httpx.AsyncClient(timeout=15) as http:
        traffic = await prepare_traffic(node, http)
        phone = await registered_phone(http, node, traffic.subscriber_key, "crash")
        socket = ResumingSocket(node.gateway, f"eip155:{CHAIN_ID}:{traffic.subscriber}")
        await socket.open()

        async def pushes() -> list[str]:
            return pushed_uids(await _pushes(http, node, phone), await traffic.uid_by_sid())

        async def on_socket() -> list[str]:
            return socket.unique_uids()

        try:
            first = await traffic.send_one()  # the phone is known to the dispatcher from here
            await wait_for("the first push", lambda: _has(pushes, first), 60)
            flow = Flow(traffic, COUNT - 1)
            started = time.monotonic()
            sending = asyncio.create_task(flow.run())
            catch_ups = await kill_each_in_turn(node, flow)
            await sending
            print(
                f"{len(traffic.acknowledged)} acknowledged in {time.monotonic() - started:.0f} s"
                f" with {SENDERS} senders; retried: {dict(traffic.refusals)}"
            )
            feed, sockets, phone_gap = await what_the_subscriber_saw(traffic, on_socket, pushes)
            print(
                f"socket reconnects {socket.reconnects}, replayed copies dropped"
                f" {socket.repeats()}; pushes repeated {phone_gap.duplicated}"
            )
        finally:
            await socket.close()
    assert len(traffic.acknowledged) == COUNT
    assert feed.closed, f"feed: {feed}"
    assert sockets.closed, f"socket: {sockets}"
    assert not phone_gap.missing and not phone_gap.unexpected, f"pushes: {phone_gap}"
    assert len(phone_gap.duplicated) <= 1, f"pushes: {phone_gap}"
    if CATCH_UP_LIMIT is not None:
        slow = [c.describe() for c in catch_ups if c.ready > CATCH_UP_LIMIT]
        assert not slow, f"not ready within {CATCH_UP_LIMIT:g} s of restart: {slow}"


async def _has(seen: Seen, uid: str) -> bool:
    return uid in await seen()
