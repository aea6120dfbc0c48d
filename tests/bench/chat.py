"""Scenario "chat": signed 1:1 chat messages over HTTP until each is verified, stored and linked.

Each POST /apis/v1/chat/message answers once the validator verified the sender's pgpv3
signature (pgpy, RSA-2048) and accepted it, storage put the message into kubo linked to the
previous CID, and the gateway projected it: every answer is a message through the whole
node. Messages are signed beforehand so the client's signing is not timed. Ceiling: pgpy's
RSA-2048 verify rate alone, in this process, in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import warnings
from typing import Any

import httpx

from pushnode_shared.protocol.chat import armored_key
from pushnode_validator.adapters import pgp
from pushnode_validator.domain.chat import Refusal, signed_text
from tests.bench.harness import Row
from tests.support.chat import ChatWallet, new_pgp_key

GATEWAY = "http://127.0.0.1:4000"
PAIRS = 8
IN_FLIGHT = 64


async def open_chats(http: httpx.AsyncClient) -> list[tuple[ChatWallet, ChatWallet]]:
    """PAIRS accepted conversations between fresh wallets with RSA-2048 keys."""
    pairs = []
    for _ in range(PAIRS):
        a, b = ChatWallet(pgp=new_pgp_key()), ChatWallet(pgp=new_pgp_key())
        for wallet in (a, b):
            (
                await http.post(f"{GATEWAY}/apis/v2/users/", json=wallet.registration())
            ).raise_for_status()
        first = a.message(b.did, "hello", "pgp")
        (await http.post(f"{GATEWAY}/apis/v1/chat/request", json=first)).raise_for_status()
        (
            await http.put(f"{GATEWAY}/apis/v1/chat/request/accept", json=b.answer(a.did))
        ).raise_for_status()
        pairs.append((a, b))
    return pairs


def signed_messages(pairs: list[tuple[ChatWallet, ChatWallet]], count: int) -> list[dict[str, Any]]:
    bodies = []
    for n in range(count):
        a, b = pairs[n % len(pairs)]
        sender, receiver = (a, b) if n % 2 else (b, a)
        bodies.append(sender.message(receiver.did, f"message {n}", "pgp"))
        if n % 500 == 499:
            print(f"[bench] chat: signed {n + 1}/{count}", file=sys.stderr)
    return bodies


async def send_all(http: httpx.AsyncClient, bodies: list[dict[str, Any]]) -> list[float]:
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    latencies: list[float] = []

    async def worker() -> None:
        while not queue.empty():
            body = queue.get_nowait()
            started = time.perf_counter()
            response = await http.post(f"{GATEWAY}/apis/v1/chat/message", json=body)
            response.raise_for_status()
            latencies.append((time.perf_counter() - started) * 1000)

    await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))
    return latencies


def pgpy_verify_rate(body: dict[str, Any], public_key: str, seconds: float = 2.0) -> float:
    """RSA-2048 verifications per second by pgpy alone, through the validator's own adapter."""
    signed = signed_text(body)
    assert not isinstance(signed, Refusal)
    text, signature = signed
    done, started = 0, time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        while time.perf_counter() - started < seconds:
            assert pgp.verify(public_key, text, signature)
            done += 1
    return done / (time.perf_counter() - started)


async def scenario(args: argparse.Namespace) -> list[Row]:
    count = args.chat_count
    async with httpx.AsyncClient(timeout=60) as http:
        pairs = await open_chats(http)
        bodies = signed_messages(pairs, count)
        started = time.perf_counter()
        latencies = await send_all(http, bodies)
        rate = count / (time.perf_counter() - started)
    sender = pairs[0][1]
    ceiling = pgpy_verify_rate(bodies[0], armored_key(sender.public_key))
    cuts = statistics.quantiles(latencies, n=100)
    return [
        Row("chat", f"{count:,} messages verified+stored", rate, "msgs/s", ">= 500", ceiling),
        Row("chat", "latency p50 (POST -> stored)", cuts[49], "ms", "-", None),
        Row("chat", "latency p99 (POST -> stored)", cuts[98], "ms", "-", None),
        Row("chat", "pgpy RSA-2048 verify alone (ceiling)", ceiling, "verify/s", "-", None),
    ]
