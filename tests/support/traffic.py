"""Notifications with unique ids, sent the way a careful client sends them, and the gap check.

A sender keeps every body it made; a refused request (503, a timeout) is retried with the same
body until the gateway acknowledges it, as the SDK's users are told to. What users then see (the
feed over HTTP, the userFeeds socket) is compared with what was sent, id by id: nothing missing,
nothing twice.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import socketio
from eth_account import Account

from tests.e2e.conftest import RunningNode
from tests.e2e.test_notification_path import (
    CHAIN_ID,
    RPC,
    channel_with_subscriber,
    signed_payload,
)
from tests.support.devchain import ROOT, deploy_module, fresh_wallet
from tests.support.topics import SubmittedIds


def uid_of(proof: str) -> str:
    """The per-notification uid a client puts after ::uid:: in its verificationProof."""
    return proof.split("::uid::", 1)[1]


@dataclass
class Gap:
    """What users saw against what was acknowledged."""

    missing: set[str]
    duplicated: list[str]
    unexpected: set[str]

    @property
    def closed(self) -> bool:
        return not self.missing and not self.duplicated and not self.unexpected


def gap(acknowledged: set[str], seen: list[str]) -> Gap:
    counts = Counter(seen)
    return Gap(
        missing=acknowledged - set(counts),
        duplicated=sorted(uid for uid, n in counts.items() if n > 1),
        unexpected=set(counts) - acknowledged,
    )


# The longest a gateway may refuse one notification in these tests: a broker restart on a
# loaded two-core machine keeps it away about 90 s; past this the node is not coming back.
REFUSED_FOR_SECONDS = 180.0


@dataclass
class Traffic:
    """One channel, one subscriber with an open socket, and the notifications sent to them."""

    node: RunningNode
    http: httpx.AsyncClient
    channel_key: str
    subscriber: str
    comm: str
    subscriber_key: str = ""
    socket: socketio.AsyncClient | None = None
    proofs: dict[str, str] = field(default_factory=dict)  # verificationProof -> uid
    acknowledged: set[str] = field(default_factory=set)
    in_order: list[str] = field(default_factory=list)  # as acknowledged, one at a time
    socket_items: list[dict[str, Any]] = field(default_factory=list)
    refusals: Counter[str] = field(default_factory=Counter)
    _submitted: SubmittedIds | None = None

    async def send(self, count: int, pause: float = 0.02) -> None:
        """Send `count` notifications one after another, each retried until acknowledged."""
        for _ in range(count):
            await self.send_one()
            await asyncio.sleep(pause)

    async def send_one(self, refused_for: float = REFUSED_FOR_SECONDS) -> str:
        """Send one notification, retried until acknowledged; fail if refused all along."""
        body = signed_payload(self.channel_key, self.comm, [self.subscriber])
        uid = uid_of(body["verificationProof"])
        self.proofs[body["verificationProof"]] = uid
        url = self.node.gateway + "/apis/v1/payloads/"
        deadline = time.monotonic() + refused_for
        while True:
            assert time.monotonic() < deadline, f"refused for {refused_for} s: {self.refusals}"
            try:
                response = await self.http.post(url, json=body, timeout=45)
            except httpx.TransportError as exc:
                self.refusals[type(exc).__name__] += 1
            else:
                if response.status_code == 204:
                    self.acknowledged.add(uid)
                    self.in_order.append(uid)
                    return uid
                self.refusals[str(response.status_code)] += 1
                assert response.status_code in (502, 503, 504), response.text
            await asyncio.sleep(0.5)

    async def uid_by_sid(self) -> dict[str, str]:
        """Notification id (a push's `sid`) -> uid, for every body the gateway acknowledged:
        the ids as the gateway put them on protocol-inputs, read on as more are sent."""
        if self._submitted is None:
            self._submitted = SubmittedIds(self.node.env.get("KAFKA_BOOTSTRAP", "127.0.0.1:9092"))
        sent = [proof for proof, uid in self.proofs.items() if uid in self.acknowledged]
        return {sid: self.proofs[proof] for proof, sid in (await self._submitted.of(sent)).items()}

    async def acknowledged_at_least(self, count: int, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while len(self.acknowledged) < count:
            assert time.monotonic() < deadline, f"only {len(self.acknowledged)} acknowledged"
            await asyncio.sleep(0.1)

    async def feed_uids(self) -> list[str]:
        url = f"{self.node.gateway}/apis/v1/users/eip155:{CHAIN_ID}:{self.subscriber}/feeds"
        uids: list[str] = []
        for page in range(1, 10_000):
            response = await self.http.get(url, params={"limit": 50, "page": page})
            assert response.status_code == 200, response.text
            batch = response.json()["feeds"]
            uids += [uid_of(item["payload"]["verificationProof"]) for item in batch]
            if len(batch) < 50:
                return uids
        return uids

    def socket_uids(self) -> list[str]:
        return [uid_of(item["payload"]["verificationProof"]) for item in self.socket_items]

    async def feed_gap(self, seconds: float) -> Gap:
        """Wait until the feed holds every acknowledged id (or time is up); the gap then."""
        return await settled(self.feed_uids, self.acknowledged, seconds)

    async def socket_gap(self, seconds: float) -> Gap:
        async def seen() -> list[str]:
            return self.socket_uids()

        return await settled(seen, self.acknowledged, seconds)

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.disconnect()


Seen = Callable[[], Awaitable[list[str]]]


async def settled(
    seen: Seen, acknowledged: set[str], seconds: float, poll: float = 0.5, grace: float = 1.0
) -> Gap:
    """The gap once `seen()` holds every acknowledged uid, or when time is up."""
    deadline = time.monotonic() + seconds
    while True:
        result = gap(acknowledged, await seen())
        if not result.missing or time.monotonic() > deadline:
            await asyncio.sleep(grace)  # a late duplicate would show up now
            return gap(acknowledged, await seen())
        await asyncio.sleep(poll)


async def prepare_traffic(node: RunningNode, http: httpx.AsyncClient) -> Traffic:
    """A fresh channel with a subscriber, known to the node; no socket yet."""
    deploy = deploy_module()
    w3 = deploy.connect(RPC, CHAIN_ID)
    channel_key, user_key = fresh_wallet(w3, deploy), fresh_wallet(w3, deploy, push=0)
    await channel_with_subscriber(http, node, deploy, w3, channel_key, user_key)
    subscriber = Account.from_key(user_key).address
    return Traffic(node, http, channel_key, subscriber, deploy.comm_address(CHAIN_ID), user_key)


async def open_traffic(node: RunningNode, http: httpx.AsyncClient) -> Traffic:
    """A fresh channel with a subscriber, known to the node, and the subscriber's socket."""
    traffic = await prepare_traffic(node, http)
    subscriber = traffic.subscriber
    client = socketio.AsyncClient(reconnection=True)
    client.on("userFeeds", traffic.socket_items.append)
    await client.connect(
        f"{node.gateway}?address=eip155:{CHAIN_ID}:{subscriber}", transports=["websocket"]
    )
    traffic.socket = client
    return traffic


def stack(*args: str) -> None:
    """devstack/bin/stack on the test run's own stack (PUSHNODE_VAR), never `make up`'s."""
    if "PUSHNODE_VAR" not in os.environ:
        pytest.fail("needs the throw-away stack of devstack/bin/test-run (PUSHNODE_VAR)")
    done = subprocess.run(
        [str(ROOT / "devstack" / "bin" / "stack"), *args],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:  # the script's own words say why, not just its exit status
        pytest.fail(f"stack {' '.join(args)} exited {done.returncode}:\n{done.stdout}{done.stderr}")
