"""Three nodes keep one state: what one node takes reaches the others, once, and forgeries do not.

The tests run in order on one network (tests/e2e/network/conftest.py) and the last checks that
the three state hashes agree after everything before it.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

import httpx
import pytest
import socketio
from eth_account import Account

from pushnode_shared.protocol.network.inputs import encode_input
from pushnode_shared.protocol.network.origin import OriginWriter
from tests.e2e.network.conftest import Network, feeds_url, state_hash
from tests.support.devchain import deploy_module, fresh_wallet
from tests.support.signing import sign_data

CHAIN_ID = 11155111
RPC = "http://127.0.0.1:8545"
SETTLE_SECONDS = 120.0
# Three whole nodes start on two shared cores: the first test also pays for that.
pytestmark = pytest.mark.timeout(1200)


async def wait_for(what: str, check: Callable[[], Awaitable[Any]], seconds: float = 90) -> Any:
    deadline = time.monotonic() + seconds
    while not (result := await check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.5)
    return result


class Channel:
    """A channel created on the shared chain with one subscriber, known to every node."""

    def __init__(self) -> None:
        self.deploy = deploy_module()
        self.w3 = self.deploy.connect(RPC, CHAIN_ID)
        self.key, self.alice_key = (fresh_wallet(self.w3, self.deploy) for _ in range(2))
        self.address = Account.from_key(self.key).address
        self.alice = Account.from_key(self.alice_key).address
        self.caip = f"eip155:{CHAIN_ID}:{self.alice}"

    async def created(self, http: httpx.AsyncClient, network: Network, nodes: list[int]) -> None:
        self.deploy.create_channel(self.w3, self.key, b"1+bafkreiexamplechannelmeta")
        block = self.deploy.subscribe(self.w3, self.alice_key, self.address)["blockNumber"]
        for i in nodes:  # every node reads the chain itself; a relayed notification needs it
            await wait_for(f"node {i} past block {block}", partial(_past, http, network, i, block))

    def body(self, title: str) -> dict[str, Any]:
        payload = {
            "notification": {"title": title, "body": "across the network"},
            "data": {"type": "3", "asub": title, "amsg": "network e2e", "app": "e2e"},
            "recipients": self.caip,
        }
        identity = "2+" + json.dumps(payload)
        comm = self.deploy.comm_address(CHAIN_ID)
        signature = sign_data(identity, CHAIN_ID, comm, self.key)
        return {
            "verificationProof": f"eip712v2:{signature}::uid::{uuid.uuid4()}",
            "identity": identity,
            "sender": f"eip155:{CHAIN_ID}:{self.address}",
            "source": "ETH_TEST_SEPOLIA",
            "recipient": self.caip,
        }


async def _past(http: httpx.AsyncClient, network: Network, i: int, block: int) -> bool:
    body = (await http.get(network.service(i, "listener") + "/readyz")).json()
    text = body["checks"].get(f"chain:{CHAIN_ID}", "")
    return "cursor " in text and int(text.split("cursor ")[1].split(",")[0]) >= block


async def feed(http: httpx.AsyncClient, network: Network, i: int, caip: str) -> list[Any]:
    answer = await http.get(feeds_url(network, i, caip), params={"limit": 30})
    return list(answer.json()["feeds"]) if answer.status_code == 200 else []


def with_proof(items: list[Any], proof: str) -> list[Any]:
    return [item for item in items if item["payload"]["verificationProof"] == proof]


async def post(http: httpx.AsyncClient, network: Network, i: int, body: dict[str, Any]) -> None:
    answer = await http.post(f"{network.gateway(i)}/apis/v1/payloads/", json=body)
    assert answer.status_code == 204, answer.text


@pytest.fixture(scope="module")
def channel(network: Network) -> Channel:
    made = Channel()

    async def create() -> None:
        async with httpx.AsyncClient(timeout=10) as http:
            await made.created(http, network, [1, 2, 3])

    asyncio.run(create())
    return made


async def test_a_notification_posted_to_node_1_reaches_node_3s_feed_and_node_2s_socket_with_one_cid(
    network: Network, channel: Channel
) -> None:
    events: list[Any] = []
    socket = socketio.AsyncClient(reconnection=False)
    socket.on("userFeeds", events.append)
    await socket.connect(f"{network.gateway(2)}?address={channel.caip}", transports=["websocket"])
    body = channel.body("one node to all")
    async with httpx.AsyncClient(timeout=10) as http:
        await post(http, network, 1, body)
        proof = body["verificationProof"]
        items = {
            i: (
                await wait_for(f"node {i}'s feed", partial(_one, http, network, i, channel, proof))
            )[0]
            for i in (1, 2, 3)
        }
        pushed = await wait_for("node 2's socket", lambda: _pushed(events, proof))
    await socket.disconnect()
    assert {item["cid"] for item in items.values()} == {pushed[0]["cid"]}
    assert {item["sid"] for item in items.values()} == {pushed[0]["sid"]}


async def _one(
    http: httpx.AsyncClient, network: Network, i: int, channel: Channel, proof: str
) -> list[Any]:
    return with_proof(await feed(http, network, i, channel.caip), proof)


async def _pushed(events: list[Any], proof: str) -> list[Any]:
    return [e for e in events if e.get("payload", {}).get("verificationProof") == proof]


async def test_with_the_link_between_nodes_1_and_3_cut_node_3_gets_node_1s_records_through_node_2(
    network: Network, channel: Channel
) -> None:
    network.link_1_3.set_cut(True)
    try:
        body = channel.body("around a cut link")
        async with httpx.AsyncClient(timeout=10) as http:
            await post(http, network, 1, body)
            proof = body["verificationProof"]
            await wait_for("node 3's feed", partial(_one, http, network, 3, channel, proof))
            peers = (await http.get(f"{network.gateway(3)}/apis/v1/node/peers")).json()["peers"]
    finally:
        network.link_1_3.set_cut(False)
    reachable = {p["url"]: p["reachable"] for p in peers}
    assert reachable["http://127.0.0.1:4190"] is False  # node 1, as node 3 reaches it


async def test_a_node_stopped_while_the_others_take_writes_catches_up_after_it_starts(
    network: Network, channel: Channel
) -> None:
    network.script("stop", "2")
    bodies = {
        1: channel.body("while node 2 was away (1)"),
        3: channel.body("while node 2 was away (3)"),
    }
    async with httpx.AsyncClient(timeout=10) as http:
        try:
            for i, body in bodies.items():
                await post(http, network, i, body)
            for body in bodies.values():
                proof = body["verificationProof"]
                await wait_for("node 3 has both", partial(_one, http, network, 3, channel, proof))
        finally:
            network.script("start", "2")
        for body in bodies.values():
            proof = body["verificationProof"]
            await wait_for("node 2 caught up", partial(_one, http, network, 2, channel, proof))


async def test_one_signed_notification_posted_to_two_nodes_lands_once_everywhere(
    network: Network, channel: Channel
) -> None:
    body = channel.body("posted twice")
    proof = body["verificationProof"]
    async with httpx.AsyncClient(timeout=10) as http:
        await asyncio.gather(post(http, network, 1, body), post(http, network, 3, body))
        for i in (1, 2, 3):
            await wait_for(f"node {i}'s feed", partial(_one, http, network, i, channel, proof))
        await wait_for("the nodes settled", lambda: _settled(http, network))
        counts = [len(await _one(http, network, i, channel, proof)) for i in (1, 2, 3)]
    assert counts == [1, 1, 1]


async def _settled(http: httpx.AsyncClient, network: Network) -> bool:
    first, *rest = [await state_hash(http, network, i) for i in (1, 2, 3)]
    return all(other == first for other in rest)


def forged_notification(channel: Channel) -> tuple[str, str]:
    """A notification whose proof holds no signature: no honest gateway admits it."""
    body = channel.body("forged")
    fields = {
        "channel": channel.address.lower(),
        "sender": body["sender"],
        "recipient": body["recipient"],
        "identity": body["identity"],
        "verification_proof": "eip712v2:0xdeadbeef::uid::forged",
        "source": body["source"],
    }
    data, _ = encode_input("NotificationSubmitted", fields)
    return "NotificationSubmitted", data


async def test_a_forged_record_is_refused_with_evidence_and_the_state_hashes_do_not_move(
    network: Network, channel: Channel
) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        await wait_for("the nodes settled", lambda: _settled(http, network), SETTLE_SECONDS)
        before = [(await state_hash(http, network, i))["hash"] for i in (1, 2, 3)]
        forger = network.forger
        first = OriginWriter(forger.key).record(*forged_notification(channel), received_at=1)
        forger.records = [first]
        for i in (1, 2, 3):
            await wait_for(
                f"node {i}'s evidence", partial(_evidence, http, network, i, "invalid-input")
            )
        second = OriginWriter(forger.key).record(*forged_notification(channel), received_at=2)
        forger.records = [second]
        for i in (1, 2, 3):
            await wait_for(
                f"node {i}'s evidence", partial(_evidence, http, network, i, "equivocation")
            )
        after = [(await state_hash(http, network, i))["hash"] for i in (1, 2, 3)]
    assert after == before


async def _evidence(http: httpx.AsyncClient, network: Network, i: int, kind: str) -> list[Any]:
    found = (await http.get(f"{network.gateway(i)}/apis/v1/node/evidence")).json()["evidence"]
    return [e for e in found if e["kind"] == kind and e["origin"] == network.forger.key.address]


async def test_after_the_mixed_run_the_three_state_hashes_and_frontiers_are_equal(
    network: Network,
) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        await wait_for("the nodes settled", lambda: _settled(http, network), SETTLE_SECONDS)
        hashes = [await state_hash(http, network, i) for i in (1, 2, 3)]
    assert hashes[0]["frontier"] and len({json.dumps(h, sort_keys=True) for h in hashes}) == 1
