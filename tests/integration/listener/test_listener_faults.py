"""The listener on real anvil and Kafka when things go wrong: SIGKILL mid-sync, an RPC that fails
half of the time, a chain whose RPC is dead. Each test uses its own topics and a fresh LogBurst
contract (thousands of real-shaped Subscribe logs per transaction), so it depends on no other.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import signal
import sys
from typing import Any

import pytest
from eth_account import Account
from web3 import Web3

from pushnode_listener.bootstrap import chain_check
from pushnode_listener.poller import ChainPoller
from pushnode_shared.infra.envelope import Envelope
from tests.integration.listener.anvil import (
    RPC,
    Redirected,
    fresh_topics,
    make_poller,
    read_all,
)
from tests.support.burst import deploy_burst
from tests.support.devchain import ROOT
from tests.support.faulty_rpc import FaultyRpc

pytestmark = pytest.mark.integration


def chain_order(receipts: list[Any]) -> list[tuple[str, int]]:
    """(tx hash, log index) of every log the receipts hold, in chain order."""
    return [
        ("0x" + bytes(log["transactionHash"]).hex(), log["logIndex"])
        for receipt in receipts
        for log in receipt["logs"]
    ]


def observed(records: list[Envelope]) -> list[tuple[str, int]]:
    return [
        (e.payload["tx_hash"], e.payload["log_index"])
        for e in records
        if e.type == "ChainEventObserved"
    ]


def new_channel() -> str:
    return Account.from_key("0x" + secrets.token_hex(32)).address


async def until_past(poller: ChainPoller, block: int, seconds: float = 90) -> None:
    for _ in range(int(seconds * 10)):
        if poller.next_block is not None and poller.next_block > block:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"poller did not pass block {block} (at {poller.next_block})")


async def follower(*args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.integration.listener.follow",
        *args,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )


async def kill_after_ranges(args: list[str], ranges: int) -> None:
    """Start a follower and SIGKILL it once it has committed `ranges` ranges."""
    process = await follower(*args)
    try:
        assert process.stdout is not None
        async with asyncio.timeout(60):
            emitted = 0
            while emitted < ranges:
                line = await process.stdout.readline()
                assert line, "the follower exited"
                emitted += line.startswith(b"emitted")
    finally:
        process.send_signal(signal.SIGKILL)
        await process.wait()


async def run_to_the_end(args: list[str]) -> int | None:
    """Start a follower and let it run until it is past --until; its exit code."""
    process = await follower(*args)
    try:
        async with asyncio.timeout(120):
            await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    return process.returncode


async def test_a_listener_killed_mid_sync_resumes_with_no_gap_and_no_duplicate(
    amoy: Web3, kafka: str
) -> None:
    burst, channel = deploy_burst(amoy), new_channel()
    start = amoy.eth.block_number + 1
    receipts = burst.emit(channel, 30_000)  # 15 blocks of 2,000 logs
    until = receipts[-1]["blockNumber"]
    inputs, cursors = await fresh_topics(kafka)
    args = ["--chain", "80002", "--rpc", RPC[80002], "--comm", burst.address]
    args += ["--start", str(start), "--until", str(until)]
    args += ["--inputs", inputs.name, "--cursors", cursors.name, "--kafka", kafka]

    await kill_after_ranges(args, 3)  # three ranges committed, the fourth on its way
    checkpoints = [e for e in await read_all(kafka, cursors) if e.type == "ChainCursorAdvanced"]
    assert len(checkpoints) >= 3 and checkpoints[-1].payload["block_number"] < until  # mid-sync

    assert await run_to_the_end(args) == 0
    records = await read_all(kafka, inputs)  # one channel: one partition, one order
    assert observed(records) == chain_order(receipts)
    assert len({e.event_id for e in records}) == len(records) == 30_000
    advanced = [
        e.payload["block_number"]
        for e in await read_all(kafka, cursors)
        if e.type == "ChainCursorAdvanced"
    ]
    assert advanced == sorted(set(advanced)) and advanced[-1] >= until


async def test_an_rpc_failing_half_of_the_time_still_yields_every_log_once_in_order(
    amoy: Web3, publisher: Redirected, kafka: str
) -> None:
    burst, channel = deploy_burst(amoy), new_channel()
    start = amoy.eth.block_number + 1
    receipts = []
    for size in (300, 1, 700, 40, 1000, 5, 500):  # uneven blocks: ranges shrink and grow
        receipts += burst.emit(channel, size)
    proxy = FaultyRpc(RPC[80002], fail_rate=0.5, seed=11)
    poller = make_poller(
        80002,
        start,
        publisher,
        finality=4,
        rpc_url=await proxy.start(),
        comm=burst.address,
        max_range=4,
        target_logs=800,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(poller.run(stop))
    try:
        await until_past(poller, receipts[-1]["blockNumber"])
    finally:
        stop.set()
        await task
        await poller.rpc.aclose()  # type: ignore[attr-defined]
        await proxy.stop()
    records = await read_all(kafka, publisher.topics["protocol-inputs"])
    assert observed(records) == chain_order(receipts)
    assert len({e.event_id for e in records}) == len(records)
    assert sum(proxy.faults.values()) >= 10 and proxy.forwarded >= 10
    assert poller.halted is None


async def test_one_dead_chain_does_not_stop_the_other(
    amoy: Web3, publisher: Redirected, kafka: str
) -> None:
    burst, channel = deploy_burst(amoy), new_channel()
    start = amoy.eth.block_number + 1
    dead = make_poller(11155111, 0, publisher, rpc_url="http://127.0.0.1:9")
    alive = make_poller(80002, start, publisher, comm=burst.address)
    stop = asyncio.Event()
    tasks = [asyncio.create_task(p.run(stop)) for p in (dead, alive)]
    try:
        receipts = burst.emit(channel, 50)
        await until_past(alive, receipts[-1]["blockNumber"], seconds=30)
        assert not any(t.done() for t in tasks)  # the dead chain keeps retrying, alive
        ready, reason = await chain_check(dead)()
        assert (ready, reason) == (False, "not started")
        assert (await chain_check(alive)())[0]
    finally:
        stop.set()
        for t in tasks:
            with contextlib.suppress(Exception):
                await t
        for p in (dead, alive):
            await p.rpc.aclose()  # type: ignore[attr-defined]
    records = await read_all(kafka, publisher.topics["protocol-inputs"])
    assert observed(records) == chain_order(receipts)
