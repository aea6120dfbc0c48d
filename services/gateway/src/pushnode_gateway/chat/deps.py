"""Dependencies of the chat and profile routes: JSON bodies kept in order, DIDs, settling."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncConnection

from pushnode_gateway.errors import ApiError
from pushnode_gateway.settling import Waiters
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.untrusted import BadJson, load_json
from pushnode_shared.protocol.chat import BadAddress, did_of

T = TypeVar("T")
# A 1:1 chat message, ciphertext and both copies of the content included; below the edge's
# body limit so that the event carrying it stays under Kafka's record limit.
MAX_CHAT_BODY_BYTES = 524_288


async def json_object(request: Request, max_bytes: int | None = None) -> dict[str, Any]:
    """The body as a dict in the client's key order (the signed hashes depend on it)."""
    settings = getattr(request.app.state, "settings", None)
    configured: int = getattr(settings, "chat_max_body_bytes", MAX_CHAT_BODY_BYTES)
    limit = max_bytes if max_bytes is not None else configured
    raw = await request.body()
    if len(raw) > limit:
        raise ApiError(413, "MESSAGE_TOO_LARGE", f"body is {len(raw)} bytes; limit {limit}")
    try:
        body = load_json(raw)  # the node's one safe loader: depth-limited, strict
    except BadJson as exc:
        raise ApiError(400, "INVALID_REQUEST", f"body is not JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise ApiError(400, "INVALID_REQUEST", "body is not a JSON object")
    return body


def did_or_400(value: Any, field: str) -> str:
    """A chat DID from a body field or path segment; 400 BAD_DID otherwise."""
    try:
        return did_of(str(value))
    except BadAddress as exc:
        raise ApiError(400, "BAD_DID", f"{field}: {exc}") from exc


async def publish_and_settle(
    waiters: Waiters,
    database: Database,
    publish: Callable[[], Awaitable[None]],
    key: str,
    probe: Callable[[AsyncConnection], Awaitable[T | None]],
    seconds: float,
) -> T | None:
    """Publish a write, then wait until the gateway's own projection shows it.

    The SDK reads right after it writes (create user, then send; send, then history), so
    a write answers only once it is visible; None if that takes longer than `seconds`.
    """

    async def read() -> T | None:
        async with database.engine.connect() as conn:
            return await probe(conn)

    return await waiters.until(key, read, seconds, publish)
