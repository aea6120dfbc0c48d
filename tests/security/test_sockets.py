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
from eth_account import Account
from eth_account.signers.local import LocalAccount

from pushnode_gateway.app import create_app
from pushnode_gateway.config import Settings
from pushnode_gateway.feeds.history import BadRange, FeedHistory, page_request
from pushnode_gateway.sockets.chat_auth import chat_auth_message, chat_auth_problem
from pushnode_gateway.sockets.server import FeedSockets
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.runtime import Readiness, serve_http
from pushnode_shared.protocol.signatures import personal_sign
from pushnode_shared.testing import InMemoryProducer
from tests.unit.gateway.test_sockets import client, listening

TOKEN = "a-delivery-node-token"
NOW = 1_800_000_000
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


async def test_with_chat_auth_required_only_the_dids_own_wallet_opens_a_chat_socket(
    serve: Serve,
) -> None:
    owner, stranger = Account.create(), Account.create()
    did = f"eip155:{owner.address}"
    url = await serve(chat_auth_required=True, clock=lambda: NOW)

    def query(signer: LocalAccount, at: int) -> str:
        signature = personal_sign(chat_auth_message(did, at), signer.key.hex())
        return f"{url}?mode=chat&did={did}&authTime={at}&authSig={signature}"

    for refused in (
        f"{url}?mode=chat&did={did}",  # the SDK's plain connect
        query(stranger, NOW),  # someone else's signature
        query(owner, NOW - 301),  # an old, captured query
    ):
        with pytest.raises(socketio.exceptions.ConnectionError):
            await client(refused)
    chat = await client(query(owner, NOW - 30))
    await chat.disconnect()


def test_chat_auth_names_why_a_connect_query_proves_nothing() -> None:
    owner = Account.create()
    did = f"eip155:{owner.address}"
    signed = personal_sign(chat_auth_message(did, NOW), owner.key.hex())
    assert chat_auth_problem(did, str(NOW), signed, now=NOW) is None
    assert chat_auth_problem("not-a-did", str(NOW), signed, now=NOW) == "BAD_DID"
    assert chat_auth_problem(did, "", signed, now=NOW) == "AUTH_TIME_MISSING"
    assert chat_auth_problem(did, str(NOW), signed, now=NOW + 301) == "AUTH_EXPIRED"
    assert chat_auth_problem(did, str(NOW), "0x00", now=NOW) == "BAD_SIGNATURE"
    assert chat_auth_problem(did, str(NOW + 1), signed, now=NOW) == "WRONG_SIGNER"
