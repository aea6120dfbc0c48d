"""Every service's projection rebuilt from offset 0 equals the live one (checksums).

The test seeds its own traffic first, through the public API, so that every projection of
every service has records to replay whichever tests ran before it: an upload, a channel and a
subscription on chain, a registered device, a notification pushed to it, a chat between two
registered users. A projection that replays nothing fails the test: it would prove nothing.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid

import httpx
import pytest
from eth_account import Account

from tests.e2e.conftest import RunningNode
from tests.e2e.test_notification_path import (
    CHAIN_ID,
    RPC,
    _past,
    _pushes,
    register_device,
    signed_payload,
    wait_for,
)
from tests.support.chat import ChatWallet, new_pgp_key
from tests.support.devchain import deploy_module, fresh_wallet

SERVICES = ["listener", "validator", "storage", "gateway", "dispatcher"]


def wait_ready(node: RunningNode, service: str, seconds: float = 60) -> None:
    """Ready means dependencies up and every consumer of the service caught up."""
    deadline = time.monotonic() + seconds
    checks: dict[str, str] = {}
    while time.monotonic() < deadline:
        try:
            response = httpx.get(node.service_url(service) + "/readyz", timeout=5)
            checks = response.json()["checks"]
            consumers = [c for name, c in checks.items() if name.startswith("consumer:")]
            # A projection is caught up at lag 0; the dispatcher's retry consumer reports the
            # retries it holds back on purpose instead of a lag, and only needs to be ok.
            settled = all(
                c.startswith("ok") and ("lag" not in c or c.endswith("lag 0")) for c in consumers
            )
            if response.status_code == 200 and settled:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{service} did not catch up: {checks}")


async def seed(node: RunningNode) -> None:
    """Something on every topic a projection reads, through the public API and the chain."""
    deploy = deploy_module()
    w3 = deploy.connect(RPC, CHAIN_ID)
    channel_key, user_key = fresh_wallet(w3, deploy), fresh_wallet(w3, deploy, push=0)
    channel, user = (Account.from_key(k).address for k in (channel_key, user_key))
    device = f"rebuild-{uuid.uuid4().hex}"
    async with httpx.AsyncClient(timeout=15) as http:
        await register_device(http, node, user_key, device)  # devices
        metadata = json.dumps({"name": "rebuild", "info": "i", "url": "u", "icon": "", "tags": []})
        upload = await http.post(f"{node.gateway}/apis/v1/ipfs/upload", json={"data": metadata})
        assert upload.status_code == 200, upload.text  # uploads
        deploy.create_channel(w3, channel_key, f"1+{upload.json()['cid']}".encode())
        block = deploy.subscribe(w3, user_key, channel)["blockNumber"]  # chain-cursors, inputs
        await wait_for("the listener past the subscribe", lambda: _past(http, node, block))
        body = signed_payload(channel_key, deploy.comm_address(CHAIN_ID), [user])
        response = await http.post(node.gateway + "/apis/v1/payloads/", json=body)
        assert response.status_code == 204, response.text  # decisions, messages-stored
        await wait_for("the push", lambda: _pushes(http, node, device), 60)  # deliveries
        await chat(http, node)  # users, chats


async def chat(http: httpx.AsyncClient, node: RunningNode) -> None:
    alice, bob = ChatWallet(pgp=new_pgp_key()), ChatWallet(pgp=new_pgp_key())
    api = node.gateway + "/apis"
    for wallet in (alice, bob):
        (await http.post(f"{api}/v2/users/", json=wallet.registration())).raise_for_status()
    first = alice.message(bob.did, "hello", "pgp")
    (await http.post(f"{api}/v1/chat/request", json=first)).raise_for_status()
    (await http.put(f"{api}/v1/chat/request/accept", json=bob.answer(alice.did))).raise_for_status()
    reply = bob.message(alice.did, "hi", "pgp")
    (await http.post(f"{api}/v1/chat/message", json=reply)).raise_for_status()


@pytest.fixture(scope="module")
def seeded(node: RunningNode) -> RunningNode:
    asyncio.run(seed(node))
    return node


def replayed_per_projection(report: str) -> dict[str, int]:
    return {m[1]: int(m[2]) for m in re.finditer(r"^\s*(\S+): (\d+) records$", report, re.M)}


@pytest.mark.parametrize("service", SERVICES)
def test_rebuild_from_the_log_equals_the_live_projection(seeded: RunningNode, service: str) -> None:
    node = seeded
    for upstream in SERVICES:
        wait_ready(node, upstream)
    node.script("stop", service)
    try:
        live = node.pushnode("state-hash", service)
        report = node.pushnode("rebuild", service)
        rebuilt = node.pushnode("state-hash", service)
    finally:
        node.script("start", service)
    replayed = replayed_per_projection(report)
    assert replayed, f"no projection reported: {report}"
    assert [name for name, count in replayed.items() if count == 0] == [], report
    assert re.fullmatch(r"[0-9a-f]{64}", live)
    assert rebuilt == live
