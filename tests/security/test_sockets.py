"""Sockets at the public edge: delivery mode needs a token, one IP holds a bounded number of
sockets, chat sockets get no notification history, and history pages are bounded."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import socketio

from pushnode_gateway.app import create_app
from pushnode_gateway.config import Settings
from pushnode_gateway.feeds.history import BadRange, FeedHistory, page_request
from pushnode_gateway.sockets.server import FeedSockets
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.runtime import Readiness, serve_http
from pushnode_shared.testing import InMemoryProducer
from tests.unit.gateway.test_sockets import client, listening

TOKEN = "a-delivery-node-token"
WALLET = "eip155:11155111:0x" + "1" * 40
Serve = Callable[..., Any]


@pytest.fixture
async def serve(database: Database, tmp_path: Path) -> AsyncIterator[Serve]:
    """serve(**FeedSockets options) -> the URL of a gateway on a free loopback port."""
    stop = asyncio.Event()
    servers: list[asyncio.Task[None]] = []

    async def start(**options: Any) -> str:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        sockets = FeedSockets(history=FeedHistory(database), **options)
        settings = Settings(PUSHNODE_DATA_DIR=tmp_path)  # type: ignore[call-arg]
        app = create_app(settings, InMemoryProducer(), database, sockets, Readiness())  # type: ignore[arg-type]
        servers.append(asyncio.create_task(serve_http(app, "127.0.0.1", port, stop)))
        await listening(port)
        return f"http://127.0.0.1:{port}"

    yield start
    stop.set()
    await asyncio.gather(*servers)


async def test_a_delivery_socket_without_the_token_is_refused(serve: Serve) -> None:
    url = await serve(delivery_token=TOKEN)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client(f"{url}?mode=delivery")
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client(f"{url}?mode=delivery&token=guessed")
    node = await client(f"{url}?mode=delivery&token={TOKEN}")
    await node.disconnect()


async def test_delivery_sockets_are_off_when_no_token_is_configured(serve: Serve) -> None:
    url = await serve()
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client(f"{url}?mode=delivery")


async def test_one_ip_holds_at_most_the_configured_number_of_sockets(serve: Serve) -> None:
    url = await serve(max_per_ip=2)
    first, second = [await client(f"{url}?address={WALLET}") for _ in range(2)]
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client(f"{url}?address={WALLET}")
    await first.disconnect()
    again = await _once_freed(f"{url}?address={WALLET}")
    await asyncio.gather(second.disconnect(), again.disconnect())


async def _once_freed(url: str) -> socketio.AsyncClient:
    """A connection, as soon as the server has heard of a disconnect that frees a place."""
    for _ in range(100):
        try:
            return await client(url)
        except socketio.exceptions.ConnectionError:
            await asyncio.sleep(0.05)
    raise AssertionError("a freed place was never given back")


async def test_a_chat_socket_cannot_page_notification_history(serve: Serve) -> None:
    url = await serve()
    chat = await client(f"{url}?mode=chat&did={WALLET}")
    answer = await chat.call(
        "historicalFeeds", {"startTime": 0, "page": 1, "pageSize": 10}, timeout=10
    )
    await chat.disconnect()
    assert answer["error"] == "NOT_ALLOWED" and answer["feeds"] == []


def test_history_pages_are_bounded_in_size_and_depth() -> None:
    _, _, _, size = page_request({"startTime": 0, "pageSize": 100_000})
    assert size <= 100
    with pytest.raises(BadRange):
        page_request({"startTime": 0, "page": 10**12, "pageSize": 50})
