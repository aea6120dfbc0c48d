"""An ASGI app served on a free loopback port in a thread: uvicorn for HTTP/1.1, hypercorn h2."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn
from hypercorn.asyncio import serve
from hypercorn.config import Config


def free_socket() -> tuple[socket.socket, str]:
    """A bound loopback socket and its URL: the port is known before the app is built."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock, f"http://127.0.0.1:{sock.getsockname()[1]}"


@contextmanager
def uvicorn_serving(app: Any, sock: socket.socket) -> Iterator[None]:
    """Serve `app` on `sock` over HTTP/1.1 until the block ends."""
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", ws="none"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "emulator did not start"
        time.sleep(0.01)
    yield
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@contextmanager
def hypercorn_serving(app: Any, sock: socket.socket, url: str) -> Iterator[None]:
    """Serve `app` on `sock` with HTTP/2 until the block ends; up once `url` answers healthz."""
    sock.listen(128)
    config = Config()
    config.bind = [f"fd://{sock.detach()}"]
    running: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []

    async def run() -> None:
        stop = asyncio.Event()
        running.append((asyncio.get_running_loop(), stop))
        await serve(app, config, shutdown_trigger=stop.wait)

    thread = threading.Thread(target=asyncio.run, args=(run(),), daemon=True)
    thread.start()
    wait_until_up(url)
    yield
    loop, stop = running[0]
    loop.call_soon_threadsafe(stop.set)
    thread.join(timeout=10)


def wait_until_up(url: str, process: subprocess.Popen[bytes] | None = None) -> None:
    """Poll the emulator's healthz until it answers (or its process exits)."""
    deadline = time.monotonic() + 15
    while True:
        try:
            if httpx.get(f"{url}/_emulator/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert process is None or process.poll() is None, "emulator exited"
        assert time.monotonic() < deadline, "emulator did not start"
        time.sleep(0.05)
