"""How the gateway serves sockets: the open-file limit lifted, no per-socket deflate by default."""

from __future__ import annotations

import asyncio
import resource
import socket
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
import socketio

from pushnode_gateway.config import Settings
from pushnode_gateway.serving import raise_open_files_limit, uvicorn_options
from pushnode_gateway.sockets.server import FeedSockets
from pushnode_shared.infra.runtime import serve_http


@pytest.fixture
def limits() -> Iterator[tuple[int, int]]:
    """The process's limits, restored afterwards (lowering the soft limit is always allowed)."""
    before = resource.getrlimit(resource.RLIMIT_NOFILE)
    yield before
    resource.setrlimit(resource.RLIMIT_NOFILE, before)


def test_a_low_soft_limit_is_raised_to_the_hard_limit(limits: tuple[int, int]) -> None:
    _, hard = limits
    if hard == resource.RLIM_INFINITY or hard <= 256:
        pytest.skip("needs a finite hard limit above 256")
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))

    assert raise_open_files_limit() == hard
    assert resource.getrlimit(resource.RLIMIT_NOFILE) == (hard, hard)


def test_a_soft_limit_already_at_the_hard_limit_is_left_alone(limits: tuple[int, int]) -> None:
    _, hard = limits
    if hard == resource.RLIM_INFINITY:
        pytest.skip("needs a finite hard limit")
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    assert raise_open_files_limit() == hard
    assert resource.getrlimit(resource.RLIMIT_NOFILE) == (hard, hard)


async def negotiated_compression(settings: Settings) -> int:
    """Serve the socket.io app with the gateway's uvicorn options; offer deflate as browsers do."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = socketio.ASGIApp(FeedSockets().server)
    stop = asyncio.Event()
    server = asyncio.create_task(
        serve_http(app, "127.0.0.1", port, stop, uvicorn_options(settings))
    )
    try:
        url = f"ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket"
        async with aiohttp.ClientSession() as http:
            for _ in range(50):
                try:
                    async with http.ws_connect(url, compress=15) as ws:
                        return ws.compress
                except aiohttp.ClientConnectorError:
                    await asyncio.sleep(0.05)  # not listening yet
        raise AssertionError("the server never listened")
    finally:
        stop.set()
        await server


async def test_sockets_are_not_deflated_one_by_one_unless_configured(tmp_path: Path) -> None:
    plain = Settings(PUSHNODE_DATA_DIR=tmp_path)  # type: ignore[call-arg]
    deflating = Settings(PUSHNODE_DATA_DIR=tmp_path, socket_compression=True)  # type: ignore[call-arg]

    assert await negotiated_compression(plain) == 0
    assert await negotiated_compression(deflating) > 0
