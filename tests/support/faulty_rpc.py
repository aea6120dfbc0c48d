"""A local JSON-RPC proxy that fails a seeded share of requests, in front of a real node.

Faults are the ones public RPCs show: HTTP 502/429, a JSON-RPC internal error, a connection
dropped without an answer, and for eth_getLogs "query returned more than 10000 results".
Everything else is forwarded unchanged, so what does get through is the node's real answer.
"""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from aiohttp import ClientSession, web


class FaultyRpc:
    """Serves on 127.0.0.1:<free port>; `url` once started."""

    def __init__(
        self,
        upstream: str,
        fail_rate: float = 0.5,
        seed: int = 7,
        only: tuple[str, ...] = (),
    ) -> None:
        self.upstream, self.fail_rate, self.only = upstream, fail_rate, only
        self.rng = random.Random(seed)
        self.faults: Counter[str] = Counter()
        self.forwarded = 0
        self.url = ""
        self._runner: web.AppRunner | None = None
        self._client: ClientSession | None = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._client = ClientSession()
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self._client is not None:
            await self._client.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body: Any = await request.json()
        method = body.get("method", "") if isinstance(body, dict) else "batch"
        kinds = self._kinds(method)
        if kinds and self.rng.random() < self.fail_rate:
            return self._fault(request, body, self.rng.choice(kinds))
        assert self._client is not None
        async with self._client.post(self.upstream, json=body) as upstream:
            self.forwarded += 1
            return web.json_response(await upstream.json(), status=upstream.status)

    def _kinds(self, method: str) -> list[str]:
        kinds = ["http-502", "http-429", "rpc-internal", "dropped"]
        if method == "eth_getLogs":
            kinds.append("too-many-results")
        return [k for k in kinds if k in self.only] if self.only else kinds

    def _fault(self, request: web.Request, body: Any, kind: str) -> web.StreamResponse:
        self.faults[kind] += 1
        ident = body.get("id") if isinstance(body, dict) else None
        if kind == "http-502":
            return web.Response(status=502, text="bad gateway")
        if kind == "http-429":
            return web.Response(status=429, text="rate limited")
        if kind == "dropped":
            assert request.transport is not None
            request.transport.close()
            return web.Response(status=500)
        error = (
            {"code": -32005, "message": "query returned more than 10000 results"}
            if kind == "too-many-results"
            else {"code": -32603, "message": "internal error"}
        )
        return web.json_response({"jsonrpc": "2.0", "id": ident, "error": error})
