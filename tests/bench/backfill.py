"""Scenario "backfill": the listener syncs 100,000 logs of history from anvil into Kafka.

The logs are real-shaped Comm `Subscribe` logs from a LogBurst contract (2,000 per block). The
listener runs as in the service: adaptive eth_getLogs ranges over the real RPC client, the block
headers it checks for reorgs, eth-abi decoding, and one Kafka transaction per range with the
checkpoint, into a fresh copy of its topics. Ceiling: the raw eth_getLogs JSON rate over the
same blocks on the same anvil in the same run (HTTP request and JSON parsing only, in ranges of
about 10,000 logs, the usual provider cap), best of two passes.
"""

from __future__ import annotations

import argparse
import secrets
import time
from collections.abc import Sequence
from typing import Any

from aiohttp import ClientSession
from eth_account import Account

from pushnode_listener.adapters.chain import ChainRpc
from pushnode_listener.adapters.txproducer import TransactionalPublisher
from pushnode_listener.gctune import tune_gc
from pushnode_listener.poller import PRODUCER, ChainPoller, Resume, Tuning
from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.protocol.chains import ChainConfig
from pushnode_shared.protocol.topics import Topic
from tests.bench.harness import Row
from tests.integration.listener.anvil import Redirected, fresh_topics
from tests.support.burst import MAX_LOGS_PER_BLOCK, deploy_burst
from tests.support.devchain import deploy_module

RPC = "http://127.0.0.1:8546"
CHAIN_ID = 80002
KAFKA = "127.0.0.1:9092"
LOGS_PER_REQUEST = 10_000


def put_history(count: int) -> tuple[str, int, int, float]:
    """`count` logs on the chain; returns the contract, the first and last block, and seconds."""
    w3 = deploy_module().connect(RPC, CHAIN_ID)
    burst = deploy_burst(w3)
    channel = Account.from_key("0x" + secrets.token_hex(32)).address
    started = time.perf_counter()
    receipts = burst.emit(channel, count)
    return (
        burst.address,
        receipts[0]["blockNumber"],
        receipts[-1]["blockNumber"],
        time.perf_counter() - started,
    )


async def raw_rate(address: str, first: int, last: int) -> tuple[float, int]:
    """Logs/s of bare eth_getLogs (request + JSON parse), and how many logs it read."""
    step = max(1, LOGS_PER_REQUEST // MAX_LOGS_PER_BLOCK)
    async with ClientSession() as http:
        started, total = time.perf_counter(), 0
        for start in range(first, last + 1, step):
            body: dict[str, Any] = {
                "jsonrpc": "2.0",
                "id": start,
                "method": "eth_getLogs",
                "params": [
                    {
                        "address": [address],
                        "fromBlock": hex(start),
                        "toBlock": hex(min(last, start + step - 1)),
                    }
                ],
            }
            async with http.post(RPC, json=body) as response:
                total += len((await response.json())["result"])
        return total / (time.perf_counter() - started), total


async def listener_rate(address: str, first: int, last: int) -> tuple[float, int]:
    """Logs/s of the listener syncing [first, last] into Kafka, and how many logs it emitted."""
    inputs, cursors = await fresh_topics(KAFKA)
    publisher = TransactionalPublisher(KAFKA, f"bench-{cursors.name}", PRODUCER)
    rpc = ChainRpc(RPC, chain_id=CHAIN_ID)
    chain = ChainConfig(chain_id=CHAIN_ID, rpc_url=RPC, comm=address, start_block=first)

    async def fresh() -> Resume:
        return Resume(None)

    # The same request shape as the raw pass: ranges of about LOGS_PER_REQUEST logs.
    step = max(1, LOGS_PER_REQUEST // MAX_LOGS_PER_BLOCK)
    tuning = Tuning(max_range=step, finality=200, target_logs=LOGS_PER_REQUEST)
    counted = Counted(Redirected(publisher, inputs, cursors))
    poller = ChainPoller(chain, rpc, counted, fresh, tuning)
    try:
        await publisher.start()  # Kafka's transaction coordinator, once (not timed)
        started = time.perf_counter()
        while poller.next_block is None or poller.next_block <= last:
            await poller.step()
        elapsed = time.perf_counter() - started
    finally:
        await publisher.stop()
        await rpc.aclose()
    return counted.logs / elapsed, counted.logs


class Counted:
    """Counts the observations going through to Kafka."""

    def __init__(self, inner: Redirected) -> None:
        self.inner, self.logs = inner, 0

    async def publish(self, topic: Topic, envelope: Envelope) -> None:
        await self.publish_many([(topic, envelope)])

    async def publish_many(self, items: Sequence[tuple[Topic, Envelope]]) -> None:
        await self.inner.publish_many(items)
        self.logs += sum(1 for _, e in items if e.type == "ChainEventObserved")


async def scenario(args: argparse.Namespace) -> list[Row]:
    count = args.backfill_logs
    tune_gc()  # as the listener's bootstrap does; the raw pass gets it too
    address, first, last, seconds = put_history(count)
    ceiling, read = max([await raw_rate(address, first, last) for _ in range(2)])
    rate, emitted = await listener_rate(address, first, last)
    if read != count or emitted != count:
        raise AssertionError(f"expected {count} logs: raw read {read}, listener emitted {emitted}")
    blocks = last - first + 1
    return [
        Row("backfill", f"{count:,} logs anvil->Kafka", rate, "logs/s", ">= 0.8 raw", ceiling),
        Row("backfill", "raw eth_getLogs JSON (ceiling)", ceiling, "logs/s", "-", None),
        Row(
            "backfill",
            f"history put on anvil ({blocks} blocks)",
            count / seconds,
            "logs/s",
            "-",
            None,
        ),
    ]
