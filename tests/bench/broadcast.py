"""Scenario "broadcast": one broadcast to N subscribers (1,000,000 by default), readable by all.

Setup: a real channel created on the dev chain (listener -> validator -> gateway). Its N
subscribers go straight into the running node's database (generate_series), as the folds of N
subscription facts would leave them: the validator's channel position, and the gateway's and
the dispatcher's subscription periods and positions (signing and mining a million opt-ins is
not what is measured). Then one signed broadcast is posted to the gateway and every hop is
real: gateway -> protocol-inputs -> validator -> storage (kubo) -> gateway feed projection.

Figures: time from the POST until the last subscriber (and the first) reads the broadcast at
the top of its inbox over GET /apis/v1/users/{caip}/feeds; then a random sample of
subscribers is read and every one must have it (one row serves them all), with that read's
p99. Ceiling: the same from a channel with one subscriber, in the same run (the pipeline's own
latency; a broadcast should cost the same whatever its audience).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import uuid
from typing import Any

import httpx
import psycopg
from eth_account import Account

from pushnode_shared.infra.envelope import derive_id
from tests.bench.harness import Row, report
from tests.e2e.test_notification_path import CHAIN_ID, RPC, signed_body, wait_for
from tests.support.devchain import deploy_module, fresh_wallet

GATEWAY = "http://127.0.0.1:4000"
NODE_DB = "postgresql://pushnode:pushnode@127.0.0.1:55432/pushnode"
SAMPLE = 200


def wallet_sql(prefix: str) -> str:
    return f"'0x{prefix}' || lpad(to_hex(n), {40 - len(prefix)}, '0')"


def wallet(prefix: str, n: int) -> str:
    return f"0x{prefix}{n:0{40 - len(prefix)}x}"


def seed(channel: str, prefix: str, count: int) -> None:
    """N subscribers at positions 1..N in the validator's, gateway's and dispatcher's folds."""
    started = time.perf_counter()
    with psycopg.connect(NODE_DB, autocommit=True) as conn:
        for service in ("gateway", "dispatcher"):
            conn.execute(
                f"INSERT INTO {service}_subscription_periods"
                " (channel, subscriber, from_position, to_position)"
                f" SELECT %s, {wallet_sql(prefix)}, n + 1, NULL"
                f" FROM generate_series(0, {count - 1}) AS n",
                (channel,),
            )
            conn.execute(f"ANALYZE {service}_subscription_periods")
        for service in ("validator", "gateway", "dispatcher"):
            conn.execute(
                f"INSERT INTO {service}_channel_positions (channel, position) VALUES (%s, %s)"
                " ON CONFLICT (channel) DO UPDATE SET position = EXCLUDED.position",
                (channel, count),
            )
    took = time.perf_counter() - started
    print(f"[bench] {count:,} subscribers seeded in {took:.0f}s", file=sys.stderr)


def broadcast_body(channel_key: str, comm: str) -> dict[str, Any]:
    payload = {
        "notification": {"title": "Broadcast", "body": "To every subscriber"},
        "data": {"type": "1", "asub": "Bench", "amsg": "One row for all", "app": "bench"},
    }
    return signed_body(channel_key, comm, payload)


async def new_channel(http: httpx.AsyncClient) -> tuple[str, str]:
    """A channel on the dev chain, once the gateway knows it; returns its key and Comm."""
    deploy = deploy_module()
    w3 = deploy.connect(RPC, CHAIN_ID)
    key = fresh_wallet(w3, deploy)
    deploy.create_channel(w3, key, b"1+bafkreibenchbroadcast")
    caip = f"eip155:{CHAIN_ID}:{Account.from_key(key).address}"

    async def known() -> bool:
        return (await http.get(f"{GATEWAY}/apis/v1/channels/{caip}")).status_code == 200

    await wait_for("the gateway to know the channel", known, 120)
    return key, deploy.comm_address(CHAIN_ID)


async def newest(http: httpx.AsyncClient, who: str) -> str | None:
    answer = await http.get(f"{GATEWAY}/apis/v1/users/eip155:{CHAIN_ID}:{who}/feeds?limit=1")
    answer.raise_for_status()
    feeds = answer.json()["feeds"]
    return str(feeds[0]["sid"]) if feeds else None


async def until_readable(http: httpx.AsyncClient, sid: str, who: str, started: float) -> float:
    """Seconds from `started` until `who` reads `sid` first in its inbox (polled closely)."""
    deadline = time.perf_counter() + 120
    while await newest(http, who) != sid:
        if time.perf_counter() > deadline:
            raise AssertionError(f"{who} never read the broadcast")
    return time.perf_counter() - started


async def one_broadcast(
    http: httpx.AsyncClient, count: int
) -> tuple[float, float, float, list[float]]:
    """(POST answered, first subscriber reads, last reads, sample read ms) for N subscribers."""
    key, comm = await new_channel(http)
    channel = Account.from_key(key).address.lower()
    prefix = uuid.uuid4().hex[:8]
    seed(channel, prefix, count)
    body = broadcast_body(key, comm)
    sid = derive_id("notification", body["verificationProof"])
    report(f"broadcast to {count:,} posted")
    started = time.perf_counter()
    (await http.post(f"{GATEWAY}/apis/v1/payloads/", json=body)).raise_for_status()
    accepted = time.perf_counter() - started
    last = await until_readable(http, sid, wallet(prefix, count - 1), started)
    first = await until_readable(http, sid, wallet(prefix, 0), started)
    rng = random.Random(11)
    reads: list[float] = []
    for n in rng.sample(range(count), min(SAMPLE, count)):
        began = time.perf_counter()
        assert await newest(http, wallet(prefix, n)) == sid, f"subscriber {n} lacks it"
        reads.append((time.perf_counter() - began) * 1000)
    return accepted, first, last, reads


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


async def scenario(args: argparse.Namespace) -> list[Row]:
    count = args.broadcast_subscribers
    async with httpx.AsyncClient(timeout=60) as http:
        _, _, alone, _ = await one_broadcast(http, 1)
        accepted, first, last, reads = await one_broadcast(http, count)
    return [
        Row("broadcast", f"POST answered ({count:,} subs)", accepted * 1000, "ms", "-", None),
        Row("broadcast", "first subscriber (read after the last)", first * 1000, "ms", "-", None),
        Row(
            "broadcast",
            f"last of {count:,} subscribers reads it",
            last * 1000,
            "ms",
            "<= 1000",
            alone * 1000,
        ),
        Row(
            "broadcast",
            f"{len(reads)} sampled inboxes: read p99",
            p99(reads),
            "ms",
            "-",
            None,
        ),
        Row("broadcast", "sampled inboxes: read p50", statistics.median(reads), "ms", "-", None),
        Row("broadcast", "1 subscriber: readable (ceiling)", alone * 1000, "ms", "-", None),
    ]
