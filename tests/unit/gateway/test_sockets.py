"""The socket.io server over a real loopback port: delivery nodes, history, reconnect cursors."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import socketio
from prometheus_client import REGISTRY

from pushnode_gateway.app import create_app
from pushnode_gateway.config import Settings
from pushnode_gateway.feeds.history import FeedHistory
from pushnode_gateway.sockets.live import push_stored
from pushnode_gateway.sockets.server import FeedSockets
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.runtime import Readiness, serve_http
from pushnode_shared.protocol.events import Recipient
from pushnode_shared.testing import InMemoryProducer
from tests.unit.gateway.test_channel_history_api import ALICE, BOB, sent_three, stored

DELIVERY_TOKEN = "a-delivery-node-token"


@pytest.fixture
async def served(database: Database, tmp_path: Path) -> AsyncIterator[tuple[str, FeedSockets]]:
    """The gateway app on a free loopback port (not 4000: test stacks may hold it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sockets = FeedSockets(history=FeedHistory(database), delivery_token=DELIVERY_TOKEN)
    settings = Settings(PUSHNODE_DATA_DIR=tmp_path)  # type: ignore[call-arg]
    app = create_app(settings, InMemoryProducer(), database, sockets, Readiness())  # type: ignore[arg-type]
    stop = asyncio.Event()
    server = asyncio.create_task(serve_http(app, "127.0.0.1", port, stop))
    await listening(port)
    yield f"http://127.0.0.1:{port}", sockets
    stop.set()
    await server


async def listening(port: int) -> None:
    """Until the server accepts connections (a busy machine may take more than a moment)."""
    for _ in range(200):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.05)
            continue
        writer.close()
        await writer.wait_closed()
        return
    raise AssertionError(f"nothing listens on {port}")


async def client(url: str, **handlers: Any) -> socketio.AsyncClient:
    sio = socketio.AsyncClient(reconnection=False)
    for event, handler in handlers.items():
        sio.on(event, handler)
    await sio.connect(url, transports=["websocket"])
    return sio


async def eventually(items: list[Any], count: int = 1) -> list[Any]:
    for _ in range(50):
        if len(items) >= count:
            return items
        await asyncio.sleep(0.05)
    raise AssertionError(f"expected {count} items, got {items}")


async def heard(
    url: str,
    event: str,
    act: Callable[[socketio.AsyncClient], Awaitable[object]] | None = None,
    count: int = 1,
) -> list[Any]:
    """What a socket connected at `url` hears of `event` (at least `count`) once `act` ran."""
    items: list[Any] = []
    sio = await client(url, **{event: items.append})
    try:
        if act is not None:
            await act(sio)
        return await eventually(items, count)
    finally:
        await sio.disconnect()


async def test_a_delivery_node_gets_live_feeds_from_the_live_feed(
    served: tuple[str, FeedSockets],
) -> None:
    url, sockets = served
    message = stored(4, "subset", [Recipient(address=ALICE.lower(), spam=False)], 5)
    node = f"{url}?mode=delivery&token={DELIVERY_TOKEN}"
    live = await heard(node, "liveFeeds", lambda _: push_stored(sockets, message))
    assert live[0]["users"] == [ALICE.lower()] and live[0]["sid"] == message.notification_id


async def test_historical_feeds_are_answered_for_a_delivery_node_and_for_a_wallet(
    served: tuple[str, FeedSockets], database: Database
) -> None:
    url, _ = served
    await sent_three(database)
    request = {"startTime": "1767268800000", "endTime": "1767272400000", "page": 1}
    node = f"{url}?mode=delivery&token={DELIVERY_TOKEN}"
    answers = await heard(node, "historicalFeeds", lambda sio: sio.emit("historicalFeeds", request))
    mine: list[Any] = []
    wallet = await client(f"{url}?address=eip155:11155111:{BOB}", historicalFeeds=mine.append)
    await wallet.emit("historicalFeeds", request)
    await eventually(mine)
    await wallet.emit("historicalFeeds", {"startTime": "later"})
    await eventually(mine, 2)
    await wallet.disconnect()
    assert answers[0]["count"] == 3 and len(answers[0]["feeds"]) == 4  # subset: inbox + spam
    assert [(f["payload"]["data"]["asub"], f["is_spam"]) for f in mine[0]["feeds"]] == [
        ("subset", 1)
    ]
    assert mine[1]["error"] == "BAD_RANGE"


async def test_a_wallet_reconnecting_with_a_cursor_is_replayed_what_it_missed(
    served: tuple[str, FeedSockets], database: Database
) -> None:
    url, _ = served
    await sent_three(database)
    since = "2026-01-01T12:02:00Z"
    wallet = f"{url}?address=eip155:11155111:{ALICE}&since={since}"
    inbox = await heard(wallet, "userFeeds", count=2)
    assert [f["payload"]["data"]["asub"] for f in inbox] == ["targeted", "subset"]


def open_sockets(kind: str) -> float:
    return REGISTRY.get_sample_value("pushnode_socket_connections", {"kind": kind}) or 0.0


async def test_open_connections_are_counted_by_kind_until_they_close(
    served: tuple[str, FeedSockets],
) -> None:
    url, _ = served
    before = open_sockets("wallet"), open_sockets("delivery")
    wallet = await client(f"{url}?address=eip155:11155111:{BOB}")
    node = await client(f"{url}?mode=delivery&token={DELIVERY_TOKEN}")
    opened = open_sockets("wallet"), open_sockets("delivery")
    await wallet.disconnect()
    await node.disconnect()
    for _ in range(50):  # the server hears of a close a moment later
        if (open_sockets("wallet"), open_sockets("delivery")) == before:
            break
        await asyncio.sleep(0.05)
    assert opened == (before[0] + 1, before[1] + 1)
    assert (open_sockets("wallet"), open_sockets("delivery")) == before
