"""One notification right after its devices were registered reaches each of them exactly once.

2,000 Android devices over 20 wallets, each registered through the gateway as a wallet app
does (POST /apis/v1/pushtokens/register, signed by its wallet), the wallets opted in to a fresh
channel, and at once one notification to them all through the payload endpoint: no wait for
the dispatcher's registry, which orders the two itself. Each device is counted by its token at
the FCM emulator once every device is DELIVERED in the status API (no retry pending), so a
duplicate would be seen. `make bench` (tests/bench/dispatch.py) measures the rate; this only
checks the count.

20,000 devices are fed to the dispatcher's input topics instead (DeviceRegistered on
`devices`, MessageStored on `messages-stored`, as `make bench` does): the gateway takes about
50 registrations a second on the test machine, so 20,000 over HTTP would cost the suite minutes.
That one is a dispatcher component test, listed as an exception in tests/README.md until the
integration tier can run a dispatcher.
"""

from __future__ import annotations

import secrets
import uuid

import httpx
import pytest
from eth_account import Account

from pushnode_shared.infra.kafka import Producer
from tests.bench import dispatch
from tests.e2e.conftest import RunningNode
from tests.e2e.test_notification_path import CHAIN_ID, RPC, _past, signed_payload, wait_for
from tests.support.devchain import deploy_module, fresh_wallet
from tests.support.devices import register_devices
from tests.support.optin import optin_body
from tests.support.topics import SubmittedIds

WALLETS = 20  # few enough that one subset notification names them all within 16 KiB


async def opted_in_channel(http: httpx.AsyncClient, node: RunningNode, keys: list[str]) -> str:
    """A fresh channel every key's wallet opted in to off-chain; the channel's key."""
    deploy = deploy_module()
    w3 = deploy.connect(RPC, CHAIN_ID)
    channel_key = fresh_wallet(w3, deploy)
    receipt = deploy.create_channel(w3, channel_key, b"1+bafkreithroughputchannel")
    await wait_for("the channel on the log", lambda: _past(http, node, receipt["blockNumber"]))
    caip = f"eip155:{CHAIN_ID}:{Account.from_key(channel_key).address}"
    comm = deploy.comm_address(CHAIN_ID)
    for key in keys:
        optin = optin_body(key, caip, CHAIN_ID, comm)
        response = await http.post(f"{node.gateway}/apis/v1/channels/{caip}/subscribe", json=optin)
        assert response.status_code == 204, response.text
    return channel_key


async def notify(
    http: httpx.AsyncClient, node: RunningNode, channel_key: str, keys: list[str]
) -> str:
    """One notification from the channel to every key's wallet; its id as the gateway gave it."""
    comm = deploy_module().comm_address(CHAIN_ID)
    body = signed_payload(channel_key, comm, [Account.from_key(k).address for k in keys])
    response = await http.post(node.gateway + "/apis/v1/payloads/", json=body)
    assert response.status_code == 204, response.text
    bootstrap = node.env.get("KAFKA_BOOTSTRAP", "127.0.0.1:9092")
    return await SubmittedIds(bootstrap).one(body["verificationProof"])


async def test_every_device_registered_before_a_notification_gets_it_once(
    node: RunningNode,
) -> None:
    devices, minutes = 2_000, 3
    run, per_wallet = uuid.uuid4().hex[:7], devices // WALLETS
    keys = ["0x" + secrets.token_hex(32) for _ in range(WALLETS)]
    tokens = dispatch.tokens_of(run, devices, per_wallet)
    async with httpx.AsyncClient(timeout=60) as http:
        channel_key = await opted_in_channel(http, node, keys)
        phones = [
            (keys[w], dispatch.token_of(run, w, d))
            for w in range(WALLETS)
            for d in range(per_wallet)
        ]
        await register_devices(http, node.gateway, phones)
        baseline = await dispatch.accepted(http)
        notification = await notify(http, node, channel_key, keys)
        await dispatch.wait_all_pushed(http, run, tokens, minutes * 60, baseline)
        # Every device DELIVERED in the public status API: no retry is pending, so whatever
        # was pushed twice is at the emulator by now (and the next test finds a quiet
        # dispatcher).
        await dispatch.wait_outcomes_folded(http, notification, devices, minutes * 60)
        pushes = await dispatch.pushes_per_token(http, run)

    assert set(pushes) == tokens
    assert set(pushes.values()) == {1}


async def test_twenty_thousand_devices_fed_to_the_dispatcher_each_get_one_push(
    node: RunningNode,
) -> None:
    devices, minutes = 20_000, 10
    run = uuid.uuid4().hex[:7]
    producer = Producer(dispatch.KAFKA, "e2e")
    await producer.start()
    async with httpx.AsyncClient(timeout=60) as http:
        baseline = await dispatch.accepted(http)
        try:
            await dispatch.notify_right_after_registering(producer, run, devices)
        finally:
            await producer.stop()
        tokens = dispatch.tokens_of(run, devices)
        await dispatch.wait_all_pushed(http, run, tokens, minutes * 60, baseline)
        folded = f"bench-dispatch-{run}"
        await dispatch.wait_outcomes_folded(http, folded, devices, minutes * 60)
        pushes = await dispatch.pushes_per_token(http, run)

    assert set(pushes) == tokens
    assert set(pushes.values()) == {1}


# pytest-timeout's default (300 s) is below the 20,000 devices' budget.
pytestmark = pytest.mark.timeout(900)
