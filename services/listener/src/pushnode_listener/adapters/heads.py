"""Live following: an `eth_subscribe newHeads` websocket that wakes the poller on each block.

The subscription only says *when* to look; what to emit still comes from eth_getLogs and the
headers over HTTP, so a missed or duplicated notification changes nothing but latency. While
the websocket is down the poller polls over HTTP every `poll_seconds`, and the subscription
reconnects with backoff.
"""

from __future__ import annotations

import asyncio
import json
from urllib.parse import urlsplit, urlunsplit

from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException

from pushnode_shared.infra.logging import get_logger
from pushnode_shared.infra.redact import redact_url

log = get_logger(__name__)


def ws_url_of(rpc_url: str) -> str | None:
    """The websocket URL on the same host and port (anvil, geth and most providers)."""
    parts = urlsplit(rpc_url)
    scheme = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}.get(parts.scheme)
    return None if scheme is None else urlunsplit(parts._replace(scheme=scheme))


class NewHeads:
    """Sets `arrived` whenever the node announces a new head; `connected` while subscribed."""

    def __init__(self, url: str, chain_id: int, *, max_backoff: float = 60.0) -> None:
        self.url, self.chain_id, self.max_backoff = url, chain_id, max_backoff
        self.arrived = asyncio.Event()
        self.connected = False

    async def run(self) -> None:
        """Subscribe, and resubscribe after any failure, until cancelled."""
        backoff = 1.0
        while True:
            try:
                await self._follow()
                backoff = 1.0  # the server closed a working subscription: retry at once
            except (OSError, TimeoutError, WebSocketException, ValueError) as exc:
                log.warning(
                    "newHeads websocket unavailable, polling over HTTP",
                    chain=self.chain_id,
                    ws=self.url,
                    error=repr(exc),
                    retry_in_s=backoff,
                )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.max_backoff)
            finally:
                self.connected = False

    async def _follow(self) -> None:
        async with connect(self.url, open_timeout=5, max_size=2**22) as ws:
            request = {"jsonrpc": "2.0", "id": 1, "method": "eth_subscribe", "params": ["newHeads"]}
            await ws.send(json.dumps(request))
            reply = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))
            if "error" in reply:
                raise ValueError(f"eth_subscribe refused: {reply['error']}")
            self.connected = True
            log.info(
                "following new heads over websocket", chain=self.chain_id, ws=redact_url(self.url)
            )
            self.arrived.set()  # look once now: blocks may have come while we connected
            async for message in ws:
                if json.loads(message).get("method") == "eth_subscription":
                    self.arrived.set()
