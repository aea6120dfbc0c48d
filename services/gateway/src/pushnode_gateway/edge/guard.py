"""EdgeGuard: the ASGI middleware every HTTP request passes before any route reads its body.

In order: a write over its client IP's budget gets 429 (nothing read); a body over
GATEWAY_MAX_BODY_BYTES gets 413, refused on Content-Length or as soon as the bytes read pass
the limit (never read whole); a body nested deeper than GATEWAY_MAX_JSON_DEPTH gets 400 before
any parser recurses into it; a write whose named wallet used its budget gets 429. Each answer
is the gateway's one error body, {"error": {"reason", "message"}}; 429s carry Retry-After.
A body over the limit has the reason the chat API already gave oversized messages,
MESSAGE_TOO_LARGE (the SDK's clients know it), on every route.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pushnode_gateway.config import Settings
from pushnode_gateway.edge.rate import RateLimits, writer_of
from pushnode_shared.infra.asgi import HttpMiddleware
from pushnode_shared.infra.untrusted import BadJson, check_depth, load_json

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class Refused(Exception):
    """A request the edge answers itself."""

    def __init__(self, status: int, reason: str, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.status, self.reason, self.message, self.retry_after = (
            status,
            reason,
            message,
            retry_after,
        )


class EdgeGuard(HttpMiddleware):
    """Size, depth and rate limits in front of the FastAPI app (see the module docstring)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        super().__init__(app)
        self.settings = settings
        self.rates = RateLimits(settings.rate_limit_ip, settings.rate_limit_wallet)

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            body = await self._admit(scope, receive)
        except Refused as refused:
            await _answer(send, refused)
            return
        if body is None:
            await self.app(scope, receive, send)
            return
        wallet = _writer(scope, body) if scope["method"] in WRITE_METHODS else None
        if wallet is not None:
            wait = self.rates.wallet_blocked(wallet)
            if wait is not None:
                msg = f"{wallet} sent too many writes; retry in {wait}s"
                await _answer(send, Refused(429, "RATE_LIMITED", msg, wait))
                return
        await self.app(scope, _replay(body, receive), self._counting(send, wallet))

    async def _admit(self, scope: Scope, receive: Receive) -> bytes | None:
        """The whole body (bounded and depth-checked), or None for a request without one."""
        if scope["method"] in WRITE_METHODS and scope["path"].startswith("/apis/"):
            client = scope.get("client")
            wait = self.rates.spend_ip(client[0] if client else "unknown")
            if wait is not None:
                raise Refused(429, "RATE_LIMITED", f"too many writes; retry in {wait}s", wait)
        if scope["method"] in {"GET", "HEAD", "OPTIONS"}:
            return None
        body = await read_bounded(scope, receive, self.settings.max_body_bytes)
        try:
            check_depth(body, self.settings.max_json_depth)
        except BadJson as exc:
            raise Refused(400, "JSON_TOO_DEEP", str(exc)) from exc
        return body

    def _counting(self, send: Send, wallet: str | None) -> Send:
        """A write the route accepted (2xx) spends its wallet's budget."""
        if wallet is None:
            return send

        async def counted(message: Message) -> None:
            if message["type"] == "http.response.start" and 200 <= message["status"] < 300:
                self.rates.spend_wallet(wallet)
            await send(message)

        return counted


async def read_bounded(scope: Scope, receive: Receive, limit: int) -> bytes:
    """The request body, refused (413) as soon as it is known to be longer than limit."""
    headers = dict(scope.get("headers") or [])
    declared = headers.get(b"content-length", b"").decode("latin-1")
    if declared.isdigit() and int(declared) > limit:
        raise Refused(413, "MESSAGE_TOO_LARGE", f"body is {declared} bytes; the limit is {limit}")
    chunks, size, more = [], 0, True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise Refused(413, "MESSAGE_TOO_LARGE", f"body is over the limit of {limit} bytes")
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


def _writer(scope: Scope, body: bytes) -> str | None:
    try:
        parsed: Any = load_json(body) if body else None
    except BadJson:
        parsed = None  # the route answers a body that is not JSON
    return writer_of(scope["path"], parsed)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that hands the app the body already read, then the client's own messages."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed


async def _answer(send: Send, refused: Refused) -> None:
    body = json.dumps({"error": {"reason": refused.reason, "message": refused.message}}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    if refused.retry_after is not None:
        headers.append((b"retry-after", str(refused.retry_after).encode()))
    if refused.status == 413:
        headers.append((b"connection", b"close"))  # the rest of the body is not read
    await send({"type": "http.response.start", "status": refused.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
