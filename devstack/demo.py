"""The first notification by hand: a demo channel on the local chain, and one signed send.

    .venv/bin/python devstack/demo.py setup   # make up runs it: channel + subscriber
    .venv/bin/python devstack/demo.py send    # = make demo: send, then show socket + feed

The demo channel is anvil account 1 and its subscriber anvil account 2 (public test keys of
the local chain only). `send` signs exactly as the official SDK does (EIP-712 "EPNS COMM V1",
Data{data: identity}), posts to the gateway, and prints what the subscriber's socket.io
connection received and what GET /apis/v1/users/<caip>/feeds returns.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import sys
import time
import uuid
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
    user = f"eip155:{CHAIN_ID}:{deploy.address_of(deploy.anvil_private_keys()[2])}"
    arrived: asyncio.Queue[Any] = asyncio.Queue()
    client = socketio.AsyncClient(reconnection=False)
    client.on("userFeeds", arrived.put_nowait)
    await client.connect(f"{GATEWAY}?address={user}", transports=["websocket"])
    body = signed_notification("Hello from pushnode", f"Sent at {time.strftime('%H:%M:%S')}")
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.post(f"{GATEWAY}/apis/v1/payloads/", json=body)
        print(f"POST /apis/v1/payloads/ -> {response.status_code} {response.text}")
        if response.status_code != 204:
            return 1
        try:
            item = await asyncio.wait_for(arrived.get(), timeout=30)
        except TimeoutError:
            print("no userFeeds event within 30 s: see var/log/*.log", file=sys.stderr)
            return 1
        print("socket.io userFeeds:", json.dumps(item["payload"]["notification"]))
        feed = (await http.get(f"{GATEWAY}/apis/v1/users/{user}/feeds", params={"limit": 1})).json()
        print(f"GET /apis/v1/users/{user}/feeds ->", json.dumps(feed["feeds"][0], indent=2))
    await client.disconnect()
    return 0


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "send"
    if command == "setup":
        setup()
    else:
        sys.exit(asyncio.run(send()))
