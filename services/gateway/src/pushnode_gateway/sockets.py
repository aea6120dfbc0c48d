"""socket.io endpoint the SDK connects to: rooms per wallet, userFeeds / userSpamFeeds events."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

import socketio

from pushnode_shared.caip import BadAddress, parse_account
from pushnode_shared.logging import get_logger

log = get_logger(__name__)
INBOX_EVENT, SPAM_EVENT = "userFeeds", "userSpamFeeds"


class FeedSockets:
    """Wraps the socket.io server; a client joins the room of the address in its query."""

    def __init__(self, cors_origins: list[str] | str = "*") -> None:
        self.server = socketio.AsyncServer(async_mode="asgi", cors_allowed_origins=cors_origins)
        self.server.on("connect", self._on_connect)

    async def _on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
        query = parse_qs(environ.get("QUERY_STRING", ""))
        address = (query.get("address") or [""])[0]
        try:
            room = parse_account(address).lower
        except BadAddress:
            log.info("socket refused: no valid address in query", sid=sid)
            return False
        await self.server.enter_room(sid, room)
        return True

    async def push(self, recipient: str, spam: bool, item: dict[str, Any]) -> None:
        """Deliver one feed item to every socket of that wallet."""
        await self.server.emit(SPAM_EVENT if spam else INBOX_EVENT, item, room=recipient)
