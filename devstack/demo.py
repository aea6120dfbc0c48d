"""The first notification by hand: a demo channel on the local chain, and one signed send.

    .venv/bin/python devstack/demo.py setup   # make up runs it: channel + subscriber
    .venv/bin/python devstack/demo.py send    # = make demo: send, then show socket + feed

The demo channel is anvil account 1 and its subscriber anvil account 2 (public test keys of
the local chain only). `send` signs exactly as the official SDK does (EIP-712 "EPNS COMM V1",
Data{data: identity}), posts to the gateway, and prints what the subscriber's socket.io
connection received and what GET /apis/v1/users/<caip>/feeds returns. It first waits (up to a
minute) for the node to be ready and to know the demo subscription, so it works right after
`make up`, and says what to do when the node is not there.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import sys
import time
import uuid
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import socketio

from pushnode_shared.protocol.signatures import sign_data


def _load_deploy() -> Any:
    # deploy.py is a script beside this one, not an installed package.
    path = Path(__file__).resolve().parent / "contracts" / "deploy.py"
    spec = importlib.util.spec_from_file_location("pushnode_devstack_deploy", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


deploy = _load_deploy()

CHAIN_ID = 11155111
RPC = "http://127.0.0.1:8545"
GATEWAY = "http://localhost:4000"
READY_SECONDS = EVENT_SECONDS = 60
CHANNEL_IDENTITY = b"1+bafkreidemochannelmetadataforpushnodelocal"


def setup() -> None:
    """Create the demo channel and subscribe the demo wallet, unless already done."""
    w3 = deploy.connect(RPC, CHAIN_ID)
    channel_key, user_key = deploy.anvil_private_keys()[1:3]
    channel = deploy.address_of(channel_key)
    if deploy.core(w3).functions.getChannelState(channel).call() != 1:
        deploy.create_channel(w3, channel_key, CHANNEL_IDENTITY)
    user = deploy.address_of(user_key)
    if not deploy.comm(w3).functions.isUserSubscribed(channel, user).call():
        deploy.subscribe(w3, user_key, channel)
    print(json.dumps({"channel": channel, "subscriber": user}))


def signed_notification(title: str, body: str) -> dict[str, Any]:
    """The POST /apis/v1/payloads/ body the SDK would send for a targeted notification."""
    channel_key, user_key = deploy.anvil_private_keys()[1:3]
    channel, user = deploy.address_of(channel_key), deploy.address_of(user_key)
    payload = {
        "notification": {"title": title, "body": body},
        "data": {"type": "3", "asub": title, "amsg": body, "app": "pushnode demo"},
        "recipients": f"eip155:{CHAIN_ID}:{user}",
    }
    identity = "2+" + json.dumps(payload)
    signature = sign_data(identity, CHAIN_ID, deploy.comm_address(CHAIN_ID), channel_key)
    return {
        "verificationProof": f"eip712v2:{signature}::uid::{uuid.uuid4()}",
        "identity": identity,
        "sender": f"eip155:{CHAIN_ID}:{channel}",
        "source": "ETH_TEST_SEPOLIA",
        "recipient": f"eip155:{CHAIN_ID}:{user}",
    }


async def send() -> int:
    """Send one notification and show it arrive on the socket and in the feed."""
    channel = deploy.address_of(deploy.anvil_private_keys()[1])
    user = f"eip155:{CHAIN_ID}:{deploy.address_of(deploy.anvil_private_keys()[2])}"
    async with httpx.AsyncClient(base_url=GATEWAY, timeout=10) as http:
        problem = await _ready(http, channel, user)
        if problem is not None:
            print(problem, file=sys.stderr)
            return 1
        arrived: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        client = socketio.AsyncClient(reconnection=False)
        for event in ("userFeeds", "userSpamFeeds"):
            client.on(event, partial(_put, arrived, event))
        await client.connect(f"{GATEWAY}?address={user}", transports=["websocket"])
        try:
            return await _send_and_show(http, arrived, user)
        finally:
            await client.disconnect()


async def _put(queue: asyncio.Queue[tuple[str, Any]], event: str, item: Any) -> None:
    queue.put_nowait((event, item))


async def _ready(http: httpx.AsyncClient, channel: str, user: str) -> str | None:
    """None once the node is ready and knows the demo subscription; else what to do."""
    deadline = time.monotonic() + READY_SECONDS
    what = "the node to answer"
    while time.monotonic() < deadline:
        try:
            if (await http.get("/readyz")).status_code == 200:
                what = "the node to see the demo subscription (make up created it)"
                url = f"/apis/v1/users/{user}/subscriptions"
                answer = await http.get(url, params={"channel": f"eip155:{CHAIN_ID}:{channel}"})
                if answer.status_code == 200 and answer.json().get("subscriptions"):
                    return None
        except httpx.TransportError:
            pass
        await asyncio.sleep(1)
    return (
        f"waited {READY_SECONDS} s for {what} at {GATEWAY}: is the node up (`make up`, "
        "`make status`)? Logs are in var/log/."
    )


async def _send_and_show(
    http: httpx.AsyncClient, arrived: asyncio.Queue[tuple[str, Any]], user: str
) -> int:
    body = signed_notification("Hello from pushnode", f"Sent at {time.strftime('%H:%M:%S')}")
    response = await http.post("/apis/v1/payloads/", json=body)
    print(f"POST /apis/v1/payloads/ -> {response.status_code} {response.text}")
    if response.status_code != 204:
        return 1
    try:
        event, item = await asyncio.wait_for(_ours(arrived, body), timeout=EVENT_SECONDS)
    except TimeoutError:
        print(f"no socket event within {EVENT_SECONDS} s: see var/log/*.log", file=sys.stderr)
        return 1
    print(f"socket.io {event}:", json.dumps(item["payload"]["notification"]))
    # The socket event follows the feed's commit, so the feed already holds it.
    spam = str(event == "userSpamFeeds").lower()
    feed = (await http.get(f"/apis/v1/users/{user}/feeds", params={"spam": spam})).json()
    mine = [f for f in feed.get("feeds", []) if f.get("sid") == item.get("sid")]
    if not mine:
        print(f"the feed of {user} does not show sid {item.get('sid')} yet", file=sys.stderr)
        return 1
    print(f"GET /apis/v1/users/{user}/feeds ->", json.dumps(mine[0], indent=2))
    return 0


async def _ours(arrived: asyncio.Queue[tuple[str, Any]], body: dict[str, Any]) -> tuple[str, Any]:
    """The socket event of this notification (the console may send others meanwhile)."""
    while True:
        event, item = await arrived.get()
        if item.get("payload", {}).get("verificationProof") == body["verificationProof"]:
            return event, item


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "send"
    if command == "setup":
        setup()
    else:
        sys.exit(asyncio.run(send()))
