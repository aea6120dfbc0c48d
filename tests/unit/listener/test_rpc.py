"""The RPC client retries faults with backoff, keeps to its rate limit, and newHeads wakes it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from websockets.asyncio.server import ServerConnection, serve

from pushnode_listener.adapters.chain import ChainRpc, RangeTooLarge
from pushnode_listener.adapters.heads import NewHeads, ws_url_of
from pushnode_shared.infra.consumer import TransientError
from pushnode_shared.testing import InMemoryProducer
from tests.support.faulty_rpc import FaultyRpc
from tests.unit.listener.fakechain import FakeChain
from tests.unit.listener.support import CHANNEL, observed_users, poller, user


async def _serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


@pytest.fixture
async def upstream() -> AsyncIterator[str]:
    """A node whose head is block 42 and whose logs are always empty."""

    async def answer(request: web.Request) -> web.Response:
        body = await request.json()
        result = "0x2a" if body["method"] == "eth_blockNumber" else []
        return web.json_response({"jsonrpc": "2.0", "id": body["id"], "result": result})

    app = web.Application()
    app.router.add_post("/", answer)
    runner, url = await _serve(app)
    yield url
    await runner.cleanup()


async def test_an_rpc_failing_half_of_the_time_still_answers_every_call(upstream: str) -> None:
    proxy = FaultyRpc(upstream, fail_rate=0.5, seed=3)
    rpc = ChainRpc(await proxy.start(), chain_id=80002, max_delay=0.01)
    try:
        heads = [await rpc.head() for _ in range(40)]
    finally:
        await rpc.aclose()
        await proxy.stop()
    assert heads == [42] * 40
    assert sum(proxy.faults.values()) >= 20
    assert {"http-502", "http-429", "rpc-internal", "dropped"} <= set(proxy.faults)


async def test_a_dead_rpc_fails_after_its_attempts_with_a_transient_error() -> None:
    rpc = ChainRpc("http://127.0.0.1:9", chain_id=1, attempts=3, max_delay=0.01)
    started = time.monotonic()
    with pytest.raises(TransientError):
        await rpc.head()
    await rpc.aclose()
    assert time.monotonic() - started < 5


async def test_a_refused_log_range_is_not_retried_but_handed_to_the_poller(upstream: str) -> None:
    proxy = FaultyRpc(upstream, fail_rate=1.0, only=("too-many-results",))
    rpc = ChainRpc(await proxy.start(), attempts=5, max_delay=0.01)
    try:
        with pytest.raises(RangeTooLarge):
            await rpc.logs(["0x" + "11" * 20], 0, 100)
    finally:
        await rpc.aclose()
        await proxy.stop()
    assert sum(proxy.faults.values()) == 1


async def test_calls_keep_to_the_chains_rate_limit(upstream: str) -> None:
    rpc = ChainRpc(upstream, max_rps=20)
    started = time.monotonic()
    for _ in range(30):  # a second's burst of 20, then 10 more at 20/s
        await rpc.head()
    elapsed = time.monotonic() - started
    await rpc.aclose()
    assert elapsed >= 0.4


def test_the_websocket_url_is_the_rpc_url_with_a_ws_scheme() -> None:
    assert ws_url_of("http://127.0.0.1:8545") == "ws://127.0.0.1:8545"
    assert ws_url_of("https://rpc.example/v1/key") == "wss://rpc.example/v1/key"
    assert ws_url_of("ipc:///tmp/geth.ipc") is None


async def test_new_heads_arrive_over_the_websocket_subscription() -> None:
    async def node(ws: ServerConnection) -> None:
        request = json.loads(await ws.recv())
        assert (request["method"], request["params"]) == ("eth_subscribe", ["newHeads"])
        await ws.send(json.dumps({"jsonrpc": "2.0", "id": request["id"], "result": "0xab"}))
        await asyncio.sleep(0.2)
        head = {"subscription": "0xab", "result": {"number": "0x2b"}}
        await ws.send(json.dumps({"jsonrpc": "2.0", "method": "eth_subscription", "params": head}))
        await ws.wait_closed()

    async with serve(node, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        heads = NewHeads(f"ws://127.0.0.1:{port}", 80002)
        task = asyncio.create_task(heads.run())
        try:
            async with asyncio.timeout(5):
                await heads.arrived.wait()  # the first look, right after subscribing
                assert heads.connected
                heads.arrived.clear()
                await heads.arrived.wait()  # block 0x2b
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


class AnnouncedHeads:
    """What the poller reads of a NewHeads: a connected subscription we announce by hand."""

    def __init__(self) -> None:
        self.arrived, self.connected = asyncio.Event(), True

    async def run(self) -> None:
        await asyncio.Event().wait()


async def test_a_following_poller_wakes_on_a_new_head_not_on_its_poll_interval() -> None:
    chain, producer = FakeChain(), InMemoryProducer()
    p = poller(chain, producer)
    p.chain = p.chain.model_copy(update={"poll_seconds": 60.0})
    p.safety_poll = 60.0
    heads = AnnouncedHeads()
    p.heads = heads  # type: ignore[assignment]
    stop = asyncio.Event()
    task = asyncio.create_task(p.run(stop))
    await asyncio.sleep(0.2)  # caught up with the genesis block, now waiting
    chain.mine((CHANNEL, user(1)))
    heads.arrived.set()
    for _ in range(100):  # 2 s, far below the 60 s poll interval
        if observed_users(producer) == [user(1)]:
            break
        await asyncio.sleep(0.02)
    stop.set()
    await task
    assert observed_users(producer) == [user(1)]
