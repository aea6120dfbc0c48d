"""The replication Transport over HTTP: signed GETs to the known peers' gateways.

Every answer is bounded (bytes read, records per page, evidence per answer) and parsed as
untrusted JSON; anything else than the API's shape is PeerUnreachable, never an exception
that stops replication. Only configured or registered peers are asked: no URL comes from an
answer.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

import httpx

from pushnode_shared.infra.untrusted import BadJson, load_json
from pushnode_shared.protocol.network.auth import sign_request
from pushnode_shared.protocol.network.keys import NodeKey
from pushnode_shared.protocol.network.peers import Peer
from pushnode_shared.protocol.network.replication import FrontierEntry, PeerUnreachable

MAX_ANSWER_BYTES = 16 * 1024 * 1024
MAX_ORIGINS = 256


class HttpTransport:
    """Asks peers' `/apis/v1/node/*` with this node's signature."""

    def __init__(self, key: NodeKey, peers: Sequence[Peer], client: httpx.AsyncClient) -> None:
        self.key, self.client = key, client
        self.set_peers(peers)

    def set_peers(self, peers: Sequence[Peer]) -> None:
        """Ask these peers from now on, at these URLs (configured or registered, never answered)."""
        self.urls = {p.address: p.url for p in peers}

    async def _get(self, peer: str, path: str, params: dict[str, Any]) -> Any:
        url = self.urls.get(peer)
        if url is None:
            raise PeerUnreachable(peer)
        query = urlencode(params)
        headers = sign_request(self.key, "GET", path, query, int(time.time()))
        try:
            async with self.client.stream("GET", f"{url}{path}?{query}", headers=headers) as resp:
                if resp.status_code != 200:
                    raise PeerUnreachable(f"{peer}: HTTP {resp.status_code}")
                body = bytearray()
                async for chunk in resp.aiter_bytes():
                    body += chunk
                    if len(body) > MAX_ANSWER_BYTES:
                        raise PeerUnreachable(f"{peer}: answer over {MAX_ANSWER_BYTES} bytes")
            return load_json(bytes(body))
        except (httpx.HTTPError, BadJson) as exc:
            raise PeerUnreachable(f"{peer}: {exc}") from exc

    async def frontier(self, peer: str) -> dict[str, FrontierEntry]:
        answer = await self._get(peer, "/apis/v1/node/frontier", {})
        heads = answer.get("frontier") if isinstance(answer, dict) else None
        if not isinstance(heads, dict) or len(heads) > MAX_ORIGINS:
            raise PeerUnreachable(f"{peer}: not a frontier")
        out: dict[str, FrontierEntry] = {}
        for origin, head in heads.items():
            if isinstance(head, dict) and isinstance(head.get("seq"), int):
                out[str(origin)] = FrontierEntry(int(head["seq"]), str(head.get("hash", ""))[:64])
        return out

    async def records(self, peer: str, origin: str, after: int, limit: int) -> list[Any]:
        params = {"origin": origin, "after": after, "limit": limit}
        answer = await self._get(peer, "/apis/v1/node/records", params)
        records = answer.get("records") if isinstance(answer, dict) else None
        return records[:limit] if isinstance(records, list) else []

    async def evidence(self, peer: str) -> list[Any]:
        answer = await self._get(peer, "/apis/v1/node/evidence", {})
        found = answer.get("evidence") if isinstance(answer, dict) else None
        return found if isinstance(found, list) else []
