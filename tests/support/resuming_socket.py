"""A wallet's userFeeds socket that comes back after the gateway dies, as a careful client does.

On every disconnect it reconnects with query {address, since} (history.py): the gateway replays
what the wallet's feed holds from that time on, at least once, so the client keeps the first
copy of each sid. The cursor is the epoch of the last item seen less a margin: the gateway
stamps `epoch` when it accepts the POST, and requests that run side by side can reach the log
(and the socket) in another order than their stamps by the produce time.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import aiohttp
import socketio

from tests.support.traffic import uid_of

CURSOR_MARGIN = timedelta(seconds=5)


class ResumingSocket:
    """Collects userFeeds items; reconnects with a since cursor until closed."""

    def __init__(self, gateway: str, address: str) -> None:
        self.gateway = gateway
        self.address = address
        self.items: list[dict[str, Any]] = []  # every copy, as it arrived
        self.reconnects = 0
        self.connected = asyncio.Event()
        self._closed = asyncio.Event()
        self._client: socketio.AsyncClient | None = None
        self._task: asyncio.Task[None] | None = None
        # One HTTP session for every connection attempt, so none is left unclosed.
        self._session: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        """Connect (the first time without a cursor) and keep the socket up in the background."""
        self._session = aiohttp.ClientSession()
        self._task = asyncio.create_task(self._run())
        await asyncio.wait_for(self.connected.wait(), timeout=30)

    def unique_uids(self) -> list[str]:
        """The uid of each sid's first copy, in arrival order (the replay repeats some)."""
        seen: set[str] = set()
        uids: list[str] = []
        for item in self.items:
            if item["sid"] not in seen:
                seen.add(item["sid"])
                uids.append(uid_of(item["payload"]["verificationProof"]))
        return uids

    def repeats(self) -> int:
        """Copies beyond the first of a sid: what the replay's at-least-once cost."""
        return len(self.items) - len({item["sid"] for item in self.items})

    def _url(self) -> str:
        query = f"address={quote(self.address)}"
        if self.items:
            last = datetime.fromisoformat(self.items[-1]["epoch"].replace("Z", "+00:00"))
            cursor = int((last - CURSOR_MARGIN).timestamp() * 1000)
            query += f"&since={cursor}"
        return f"{self.gateway}?{query}"

    async def _run(self) -> None:
        first = True
        while not self._closed.is_set():
            client = socketio.AsyncClient(reconnection=False, http_session=self._session)
            client.on("userFeeds", self.items.append)
            try:
                await client.connect(self._url(), transports=["websocket"], wait_timeout=5)
            except socketio.exceptions.ConnectionError:
                await asyncio.sleep(0.5)
                continue
            self._client = client
            if not first:
                self.reconnects += 1
            first = False
            self.connected.set()
            await client.wait()  # returns once the connection is gone
            self.connected.clear()

    async def close(self) -> None:
        self._closed.set()
        if self._client is not None:
            with contextlib.suppress(Exception):
                await self._client.disconnect()
        if self._task is not None:
            await asyncio.wait_for(self._task, timeout=10)
        if self._session is not None:
            await self._session.close()
