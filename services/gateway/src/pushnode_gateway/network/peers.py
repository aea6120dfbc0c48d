"""This node's identity and its view of the peers: asked live, briefly cached, never trusted.

The peers are the configured ones and those the registry decisions on node-records admit
(network.adapters), folded by the same PeerBook as the listener's and re-read every few
seconds. GET /apis/v1/node/peers asks each peer for its frontier (signed, with a short
timeout) and compares it with ours: reachable or not, its frontier, and how many records it
holds that we do not yet (the lag).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from pushnode_gateway.network.adapters import standing_decisions
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.untrusted import BadJson, load_json
from pushnode_shared.protocol.network.auth import sign_request
from pushnode_shared.protocol.network.keys import NodeKey
from pushnode_shared.protocol.network.peerbook import PeerBook
from pushnode_shared.protocol.network.peers import Peer

PROBE_SECONDS = 2.0
CACHE_SECONDS = 2.0
MAX_PROBE_BYTES = 1024 * 1024


class NodeIdentity:
    """The node key, the peers (configured and registered), and the last probe of them."""

    def __init__(
        self,
        key: NodeKey,
        peers: list[Peer],
        database: Database | None = None,
        cache_seconds: float = CACHE_SECONDS,
    ) -> None:
        self.key, self.configured, self.database = key, peers, database
        self.cache_seconds = cache_seconds
        self._cache: tuple[float, list[dict[str, Any]]] | None = None
        self._peers: tuple[float, list[Peer]] | None = None
        self._lock = asyncio.Lock()

    async def peers(self) -> list[Peer]:
        """The current peers: configured, then registered (re-read every `cache_seconds`)."""
        if self._peers is None or time.monotonic() - self._peers[0] >= self.cache_seconds:
            book = PeerBook(self.key.address, self.configured)
            if self.database is not None:
                async with self.database.engine.connect() as conn:
                    for decision in await standing_decisions(conn):
                        book.apply(decision)
            self._peers = (time.monotonic(), book.peers())
        return self._peers[1]

    async def addresses(self) -> frozenset[str]:
        """The node ids a node request is answered for."""
        return frozenset(p.address for p in await self.peers())

    async def view(self, ours: dict[str, int]) -> list[dict[str, Any]]:
        """Every peer: node id, url, reachable, frontier and lag (cached for a moment)."""
        async with self._lock:
            if self._cache is None or time.monotonic() - self._cache[0] > CACHE_SECONDS:
                peers = await self.peers()
                async with httpx.AsyncClient(timeout=PROBE_SECONDS) as client:
                    probes = await asyncio.gather(*(self._probe(client, p) for p in peers))
                self._cache = (time.monotonic(), list(probes))
            probes = self._cache[1]
        return [p | {"lag": _lag(p["frontier"], ours)} for p in probes]

    async def _probe(self, client: httpx.AsyncClient, peer: Peer) -> dict[str, Any]:
        headers = sign_request(self.key, "GET", "/apis/v1/node/frontier", "", int(time.time()))
        entry: dict[str, Any] = {"nodeId": peer.address, "url": peer.url}
        try:
            answer = await client.get(f"{peer.url}/apis/v1/node/frontier", headers=headers)
            body = load_json(answer.content[:MAX_PROBE_BYTES]) if answer.status_code == 200 else {}
        except (httpx.HTTPError, BadJson):
            body = {}
        heads = body.get("frontier") if isinstance(body, dict) else None
        frontier = {
            str(o): int(h["seq"])
            for o, h in (heads.items() if isinstance(heads, dict) else [])
            if isinstance(h, dict) and isinstance(h.get("seq"), int)
        }
        return entry | {"reachable": isinstance(heads, dict), "frontier": frontier}


def _lag(theirs: dict[str, int], ours: dict[str, int]) -> int:
    return sum(max(0, seq - ours.get(origin, 0)) for origin, seq in theirs.items())
