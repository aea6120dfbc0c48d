"""socket.io endpoint the SDK connects to: rooms per wallet, userFeeds / userSpamFeeds events.

Chat sockets (query `{mode: 'chat', did}`) join the DID's chat room and get CHATS events.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

import socketio

from pushnode_shared.caip import BadAddress, parse_account
from pushnode_shared.logging import get_logger

log = get_logger(__name__)
INBOX_EVENT, SPAM_EVENT = "userFeeds", "userSpamFeeds"
CHAT_EVENT = "CHATS"


def chat_room(did: str) -> str:
    """The room of a chat DID's sockets (apart from the notification rooms)."""
    return "chat:" + did.lower()


class FeedSockets:
    """Wraps the socket.io server; a client joins the room of the address in its query."""

    def __init__(self, cors_origins: list[str] | str = "*") -> None:
        self.server = socketio.AsyncServer(async_mode="asgi", cors_allowed_origins=cors_origins)
        self.server.on("connect", self._on_connect)

    async def _on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
        query = parse_qs(environ.get("QUERY_STRING", ""))
        if (query.get("mode") or [""])[0] == "chat":
            return await self._on_chat_connect(sid, (query.get("did") or [""])[0])
        address = (query.get("address") or [""])[0]
        try:
            room = parse_account(address).lower
        except BadAddress:
            log.info("socket refused: no valid address in query", sid=sid)
            return False
        await self.server.enter_room(sid, room)
        return True

    async def _on_chat_connect(self, sid: str, did: str) -> bool:
        try:
            room = chat_room(parse_account(did).caip10())
        except BadAddress:
            log.info("chat socket refused: no valid did in query", sid=sid)
            return False
        await self.server.enter_room(sid, room)
        return True

    async def push_chat(self, did: str, event: dict[str, Any]) -> None:
        """Deliver one CHATS event to every chat socket of that DID."""
        await self.server.emit(CHAT_EVENT, event, room=chat_room(did))

    async def push(self, recipient: str, spam: bool, item: dict[str, Any]) -> None:
        """Deliver one feed item to every socket of that wallet."""
        await self.server.emit(SPAM_EVENT if spam else INBOX_EVENT, item, room=recipient)
