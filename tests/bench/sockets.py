"""Scenario "sockets": one broadcast to 10,000 socket.io connections on one gateway process.

`--sockets-wallets` wallets (100) opt in to a fresh channel off-chain, each with
`--sockets-per-wallet` connections (100): 10,000 sockets with query {address}. Then the channel
sends one signed broadcast. Figure: seconds from the POST's answer (accepted) until the last
socket received it (through validator, storage, the gateway's live feed and socket.io). Also
reported: how long the connections took to open, the POST itself, and when the first socket got
it (the pipeline's latency; last - first is the fan-out). No ceiling: nothing underneath
measures the same thing. The sockets are opened by `--sockets-client` (socket_clients.py):
socket.io-client in a Node process (default) or python-socketio in this process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import uuid
from pathlib import Path

import httpx
from eth_account import Account

from pushnode_shared.protocol.signatures import sign_data
from tests.bench.harness import Row
from tests.bench.ingest import GATEWAY, prepare
from tests.bench.socket_clients import client_side
from tests.e2e.test_notification_path import CHAIN_ID
from tests.support.optin import optin_body


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


def gateway_rss_mb() -> float | None:
    """Resident memory of the gateway process devstack/bin/node started, if it is on this host."""
    pid_file = Path(os.environ.get("PUSHNODE_VAR", "var")) / "run" / "gateway.pid"
    try:
        status = Path(f"/proc/{pid_file.read_text().strip()}/status").read_text()
    except OSError:
        return None
    kb = next((line.split()[1] for line in status.splitlines() if line.startswith("VmRSS")), None)
    return int(kb) / 1024 if kb else None


async def scenario(args: argparse.Namespace) -> list[Row]:
    total = args.sockets_wallets * args.sockets_per_wallet
    sockets = client_side(args.sockets_client)
    async with httpx.AsyncClient(timeout=30) as http:
        channel_key, _, comm = await prepare(http)
        addresses = await opt_in(http, channel_key, comm, args.sockets_wallets)
        caips = [f"eip155:{CHAIN_ID}:{a}" for a in addresses]
        try:
            started = time.perf_counter()
            await sockets.open(GATEWAY, caips, args.sockets_per_wallet)
            connect_s = time.perf_counter() - started
            print(f"[bench] {total:,} sockets open in {connect_s:.1f} s", file=sys.stderr)
            rss_mb = gateway_rss_mb()
            sent = time.perf_counter()
            response = await http.post(
                f"{GATEWAY}/apis/v1/payloads/", json=broadcast(channel_key, comm)
            )
            accepted = time.perf_counter()
            response.raise_for_status()
            try:
                async with asyncio.timeout(300):
                    await sockets.all_received()
            except TimeoutError:
                raise RuntimeError(
                    f"only {sockets.received:,}/{total:,} sockets got the broadcast"
                ) from None
        finally:
            await sockets.close()
    assert sockets.first is not None and sockets.last is not None
    side = f"{args.sockets_client} client"
    rows = [
        Row("sockets", f"open {total:,} sockets ({side})", connect_s, "s", "-", None),
        Row("sockets", "broadcast POST answered", accepted - sent, "s", "-", None),
        Row("sockets", "accepted -> first socket got it", sockets.first - accepted, "s", "-", None),
        Row(
            "sockets",
            f"accepted -> all {total:,} sockets",
            sockets.last - accepted,
            "s",
            "<= 2",
            None,
        ),
    ]
    if rss_mb is not None:
        rows.append(Row("sockets", f"gateway RSS with {total:,} sockets", rss_mb, "MB", "-", None))
    return rows
