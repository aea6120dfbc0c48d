"""Scenario "sockets": one broadcast to 10,000 socket.io connections on one gateway process.

`--sockets-wallets` wallets (100) opt in to a fresh channel off-chain, each with
`--sockets-per-wallet` connections (100): 10,000 sockets with query {address}. Then the channel
sends one signed broadcast. Figure: seconds from the POST until the last socket received it
(through validator, storage, the gateway's feed projection and socket.io). Also reported: how
long the connections took to open. No ceiling: nothing underneath measures the same thing.
The client side runs in this one Python process too, so the figure includes its own load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid

import httpx
import socketio
from eth_account import Account

from pushnode_shared.signatures import sign_data
from tests.bench.harness import Row
from tests.bench.ingest import GATEWAY, prepare
from tests.e2e.test_notification_path import CHAIN_ID
from tests.support.optin import optin_body

CONNECT_IN_FLIGHT = 200


def broadcast(channel_key: str, comm: str) -> dict[str, str]:
    """A broadcast signed as the SDK signs it (type 1, the channel as recipient)."""
    channel = f"eip155:{CHAIN_ID}:{Account.from_key(channel_key).address}"
    payload = {
        "notification": {"title": "bench broadcast", "body": "to every socket"},
        "data": {"type": "1", "asub": "bench", "amsg": "broadcast", "acta": "", "aimg": ""},
        "recipients": channel,
    }
    identity = "2+" + json.dumps(payload)
    proof = f"eip712v2:{sign_data(identity, CHAIN_ID, comm, channel_key)}::uid::{uuid.uuid4()}"
    return {
        "verificationProof": proof,
        "identity": identity,
        "sender": channel,
        "source": "ETH_TEST_SEPOLIA",
        "recipient": channel,
    }


async def opt_in(http: httpx.AsyncClient, channel_key: str, comm: str, wallets: int) -> list[str]:
    caip = f"eip155:{CHAIN_ID}:{Account.from_key(channel_key).address}"
    keys = ["0x" + uuid.uuid4().hex + uuid.uuid4().hex for _ in range(wallets)]
    for key in keys:
        body = optin_body(key, caip, CHAIN_ID, comm)
        response = await http.post(f"{GATEWAY}/apis/v1/channels/{caip}/subscribe", json=body)
        response.raise_for_status()
    for _ in range(600):
        page = (await http.get(f"{GATEWAY}/apis/v1/channels/{caip}")).json()
        if page.get("subscriber_count", 0) >= wallets:
            break
        await asyncio.sleep(0.1)
    return [Account.from_key(k).address for k in keys]


async def open_sockets(
    addresses: list[str], per_wallet: int, on_feed: object
) -> list[socketio.AsyncClient]:
    gate = asyncio.Semaphore(CONNECT_IN_FLIGHT)
    clients: list[socketio.AsyncClient] = []

    async def one(address: str) -> None:
        async with gate:
            client = socketio.AsyncClient(reconnection=False)
            client.on("userFeeds", on_feed)
            await client.connect(
                f"{GATEWAY}?address=eip155:{CHAIN_ID}:{address}", transports=["websocket"]
            )
            clients.append(client)
            if len(clients) % 1000 == 0:
                print(f"\r[bench] {len(clients):,} sockets open", end="", file=sys.stderr)

    await asyncio.gather(*(one(a) for a in addresses for _ in range(per_wallet)))
    print(file=sys.stderr)
    return clients


async def scenario(args: argparse.Namespace) -> list[Row]:
    total = args.sockets_wallets * args.sockets_per_wallet
    received = 0
    done = asyncio.Event()

    def on_feed(_: object) -> None:
        nonlocal received
        received += 1
        if received >= total:
            done.set()

    async with httpx.AsyncClient(timeout=30) as http:
        channel_key, _, comm = await prepare(http)
        addresses = await opt_in(http, channel_key, comm, args.sockets_wallets)
        started = time.perf_counter()
        clients = await open_sockets(addresses, args.sockets_per_wallet, on_feed)
        connect_s = time.perf_counter() - started
        sent = time.perf_counter()
        response = await http.post(
            f"{GATEWAY}/apis/v1/payloads/", json=broadcast(channel_key, comm)
        )
        response.raise_for_status()
        await asyncio.wait_for(done.wait(), timeout=300)
        delivered_s = time.perf_counter() - sent
    await asyncio.gather(*(c.disconnect() for c in clients))
    return [
        Row("sockets", f"open {total:,} socket.io connections", connect_s, "s", "-", None),
        Row("sockets", f"broadcast POST -> all {total:,} sockets", delivered_s, "s", "<= 2", None),
    ]
