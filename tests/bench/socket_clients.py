"""The client side of the "sockets" scenario: many socket.io connections and what they received.

Two interchangeable sides (`--sockets-client`):
- "node" (default): socket.io-client, the library the Push SDK uses, in one Node process
  (sockets_client.js). It is light enough that the figure is mostly the gateway's.
- "python": python-socketio AsyncClients in this process. Each received event costs this process
  a websocket frame, two decodes and a callback, on the same cores as the gateway, so the
  figure also holds the client's own work.
Both record when the first and the last socket got an event (time.perf_counter()).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path
from typing import Any, Protocol

import aiohttp
import socketio

from tests.bench.harness import report

CONNECT_IN_FLIGHT = 200
# python-socketio waits 1 s by default for the namespace's CONNECT answer and then gives up
# with "Unexpected connection error": with thousands of sockets opening on a loaded machine the
# answer can take longer, which is a slow client, not a refused connection.
NAMESPACE_WAIT_S = 60
NODE_SCRIPT = Path(__file__).with_name("sockets_client.js")
NODE_MODULES = Path(__file__).parents[1] / "sdk" / "node_modules"


class Sockets(Protocol):
    """Open sockets; then `first` and `last` are set (perf_counter) as events arrive."""

    first: float | None
    last: float | None
    received: int

    async def open(self, url: str, addresses: list[str], per_wallet: int) -> None: ...

    async def all_received(self) -> None: ...

    async def close(self) -> None: ...


class PythonSockets:
    """python-socketio clients in this process, sharing one aiohttp session."""

    def __init__(self) -> None:
        self.first: float | None = None
        self.last: float | None = None
        self.received = 0
        self.total = 0
        self.done = asyncio.Event()
        self.clients: list[socketio.AsyncClient] = []
        # One session (and connector, unlimited) for all: one per socket is 10,000 of them.
        self.http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))

    def _on_feed(self, _: object) -> None:
        self.received += 1
        if self.first is None:
            self.first = time.perf_counter()
        if self.received >= self.total:
            self.last = time.perf_counter()
            self.done.set()

    async def open(self, url: str, addresses: list[str], per_wallet: int) -> None:
        self.total = len(addresses) * per_wallet
        gate = asyncio.Semaphore(CONNECT_IN_FLIGHT)
        failures: list[BaseException] = []

        async def one(address: str) -> None:
            async with gate:
                client = socketio.AsyncClient(reconnection=False, http_session=self.http)
                client.on("userFeeds", self._on_feed)
                try:
                    await client.connect(
                        f"{url}?address={address}",
                        transports=["websocket"],
                        wait_timeout=NAMESPACE_WAIT_S,
                    )
                except socketio.exceptions.ConnectionError as exc:
                    failures.append(exc.__cause__ or exc)
                    return
                self.clients.append(client)
                report(f"{len(self.clients):,} sockets open, {len(failures):,} failed")

        await asyncio.gather(*(one(a) for a in addresses for _ in range(per_wallet)))
        if failures:
            raise RuntimeError(f"{len(failures):,} sockets did not open, first: {failures[0]!r}")

    async def all_received(self) -> None:
        await self.done.wait()

    async def close(self) -> None:
        await asyncio.gather(*(c.disconnect() for c in self.clients), return_exceptions=True)
        await self.http.close()


class NodeSockets:
    """socket.io-client in a Node child process, which reports milestones as JSON lines."""

    def __init__(self) -> None:
        self.first: float | None = None
        self.last: float | None = None
        self.received = 0
        self.process: asyncio.subprocess.Process | None = None
        self.reader: asyncio.Task[None] | None = None
        self.opened: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()

    async def open(self, url: str, addresses: list[str], per_wallet: int) -> None:
        env = {**os.environ, "NODE_PATH": str(NODE_MODULES)}
        self.process = await asyncio.create_subprocess_exec(
            "node",
            str(NODE_SCRIPT),
            url,
            str(per_wallet),
            str(CONNECT_IN_FLIGHT),
            *addresses,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env=env,
            limit=1 << 20,
        )
        self.reader = asyncio.create_task(self._read())
        opened = await self.opened
        if opened["failed"]:
            raise RuntimeError(f"{opened['failed']:,} sockets did not open: {opened['error']}")

    async def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        async for raw in self.process.stdout:
            at = time.perf_counter()  # when the line arrived: this process is idle meanwhile
            line = json.loads(raw)
            if "opening" in line:
                report(f"{line['opening']:,} sockets open")
            elif "opened" in line:
                self.opened.set_result(line)
            elif "first" in line:
                self.first = at
            elif "received" in line:
                self.received = line["received"]
                self.last = at
                return
        if not self.opened.done():
            self.opened.set_exception(RuntimeError("the node socket client exited"))

    async def all_received(self) -> None:
        assert self.reader is not None
        await self.reader
        if self.last is None:
            raise RuntimeError("the node socket client exited before every socket got it")

    async def close(self) -> None:
        if self.reader is not None:
            self.reader.cancel()
        if self.process is not None and self.process.returncode is None:
            assert self.process.stdin is not None
            self.process.stdin.close()  # the script disconnects its sockets and exits
            try:
                await asyncio.wait_for(self.process.wait(), 60)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


def client_side(kind: str) -> Sockets:
    """The client side named by --sockets-client."""
    return NodeSockets() if kind == "node" else PythonSockets()
