"""socket.io endpoint the SDK connects to: rooms per wallet, userFeeds / userSpamFeeds events.

A delivery node connects with query {mode: 'delivery'} and gets every notification as
`liveFeeds`. Both kinds may ask for what they missed with `historicalFeeds`
(feeds/history.py), and a wallet's socket may reconnect with query {address, since} to be
replayed what it missed.
Chat sockets (query `{mode: 'chat', did}`) join the DID's chat room and get CHATS events.

At the public edge (issue 15): delivery-mode sockets stream every notification with its
recipients, so they need the configured token (GATEWAY_DELIVERY_SOCKET_TOKEN, in the socket.io
auth `{token}` or the query) and are refused when none is configured. Chat sockets connect
with any DID, as the SDK does, and get CHATS events only in the shape the chat REST API
already serves to anyone (the stored message, ciphertext as sent); they may not ask for
notification history. With GATEWAY_CHAT_SOCKET_AUTH=required a chat socket must also prove
the DID's wallet (sockets/chat_auth.py). One IP holds at most GATEWAY_MAX_SOCKETS_PER_IP
sockets. socket.io answers cross-origin requests without credentials: the node sets no
cookies, so no Origin is ever allowed to send them.
"""

from __future__ import annotations

import hmac
import time
from collections import Counter
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import socketio

from pushnode_gateway.feeds.history import BadRange, FeedHistory, as_epoch, page_request
from pushnode_gateway.sockets.chat_auth import chat_auth_problem
from pushnode_gateway.sockets.rooms import IndexedRooms
from pushnode_shared.infra.logging import get_logger
from pushnode_shared.infra.metrics import SOCKET_CONNECTIONS
from pushnode_shared.protocol.caip import BadAddress, parse_account

log = get_logger(__name__)
INBOX_EVENT, SPAM_EVENT = "userFeeds", "userSpamFeeds"
LIVE_EVENT, HISTORY_EVENT = "liveFeeds", "historicalFeeds"
DELIVERY_MODE = DELIVERY_ROOM = "delivery"
CHAT_EVENT = "CHATS"
WITHDRAWN_EVENT = "notificationWithdrawn"


def chat_room(did: str) -> str:
    """The room of a chat DID's sockets (apart from the notification rooms)."""
    return "chat:" + did.lower()


class FeedSockets:
    """Wraps the socket.io server; a client joins the room of the address in its query."""

    def __init__(
        self,
        cors_origins: list[str] | str = "*",
        history: FeedHistory | None = None,
        *,
        delivery_token: str | None = None,
        max_per_ip: int = 200,
        chat_auth_required: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.server = socketio.AsyncServer(
            async_mode="asgi",
            cors_allowed_origins=cors_origins,
            cors_credentials=False,
            client_manager=IndexedRooms(),
        )
        self.history = history
        self.delivery_token, self.max_per_ip = delivery_token, max_per_ip
        self.chat_auth_required, self.clock = chat_auth_required, clock
        self.per_ip: Counter[str] = Counter()
        self.ips: dict[str, str] = {}  # sid -> client IP, for the per-IP cap
        self.server.on("connect", self._on_connect)
        self.server.on("disconnect", self._on_disconnect)
        self.server.on(HISTORY_EVENT, self._on_historical_feeds)
        self.kinds: dict[str, str] = {}  # sid -> wallet | delivery | chat, for the gauge

    async def _on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
        query = parse_qs(environ.get("QUERY_STRING", ""))
        kind = {"chat": "chat", DELIVERY_MODE: "delivery"}.get((query.get("mode") or [""])[0])
        ip = str(environ.get("REMOTE_ADDR") or "unknown")
        if self.per_ip[ip] >= self.max_per_ip:
            log.info("socket refused: too many from one IP", ip=ip)
            return False
        if kind == "delivery" and not self._delivery_allowed(query, auth):
            log.info("delivery socket refused: no valid token", sid=sid)
            return False
        accepted = await self._accept(sid, query)
        if accepted:
            self.kinds[sid] = kind or "wallet"
            self.ips[sid] = ip
            self.per_ip[ip] += 1
            SOCKET_CONNECTIONS.labels(self.kinds[sid]).inc()
        return accepted

    def _delivery_allowed(self, query: dict[str, list[str]], auth: Any) -> bool:
        """The configured token, from the socket.io auth or the query; none configured: no."""
        if not self.delivery_token:
            return False
        given = auth.get("token") if isinstance(auth, dict) else None
        given = given or (query.get("token") or [""])[0]
        return isinstance(given, str) and hmac.compare_digest(
            given.encode(), self.delivery_token.encode()
        )

    async def _on_disconnect(self, sid: str, *_: Any) -> None:
        ip = self.ips.pop(sid, None)
        if ip is not None:
            self.per_ip[ip] -= 1
            if self.per_ip[ip] <= 0:
                del self.per_ip[ip]
        kind = self.kinds.pop(sid, None)
        if kind is not None:
            SOCKET_CONNECTIONS.labels(kind).dec()

    async def _accept(self, sid: str, query: dict[str, list[str]]) -> bool:
        if (query.get("mode") or [""])[0] == "chat":
            did = (query.get("did") or [""])[0]
            if self.chat_auth_required:
                at, signature = [(query.get(k) or [""])[0] for k in ("authTime", "authSig")]
                problem = chat_auth_problem(did, at, signature, now=self.clock())
                if problem is not None:
                    log.info("chat socket refused", sid=sid, reason=problem)
                    return False
            return await self._on_chat_connect(sid, did)
        if (query.get("mode") or [""])[0] == DELIVERY_MODE:
            await self.server.enter_room(sid, DELIVERY_ROOM)
            await self.server.save_session(sid, {"mode": DELIVERY_MODE})
            return True
        address = (query.get("address") or [""])[0]
        try:
            room = parse_account(address).lower
        except BadAddress:
            log.info("socket refused: no valid address in query", sid=sid)
            return False
        await self.server.enter_room(sid, room)
        await self.server.save_session(sid, {"address": room})
        since = (query.get("since") or [""])[0]
        if since and self.history is not None:
            try:
                start = as_epoch(since)
            except BadRange:
                log.info("socket refused: since is not a time", sid=sid)
                return False
            self.server.start_background_task(self._replay, sid, room, start)
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

    async def _replay(self, sid: str, wallet: str, start: str) -> None:
        assert self.history is not None
        for item, spam in await self.history.since(wallet, start):
            await self.server.emit(SPAM_EVENT if spam else INBOX_EVENT, item, to=sid)

    async def _on_historical_feeds(self, sid: str, data: Any) -> dict[str, Any]:
        """Answer a time range on the same event (and as the ack), as Push's backend does."""
        if self.history is None:
            answer: dict[str, Any] = {"count": 0, "feeds": [], "error": "NO_HISTORY"}
        else:
            try:
                start, end, page, size = page_request(data)
            except BadRange as exc:
                answer = {"count": 0, "feeds": [], "error": "BAD_RANGE", "message": str(exc)}
            else:
                session = await self.server.get_session(sid)
                if session.get("mode") == DELIVERY_MODE:
                    answer = await self.history.delivery_page(start, end, page, size)
                elif "address" not in session:  # a chat socket: no notification history
                    answer = {"count": 0, "feeds": [], "error": "NOT_ALLOWED"}
                else:
                    answer = await self.history.wallet_page(
                        session["address"], start, end, page, size
                    )
        await self.server.emit(HISTORY_EVENT, answer, to=sid)
        return answer

    async def push(self, recipient: str, spam: bool, item: dict[str, Any]) -> None:
        """Deliver one feed item to every socket of that wallet."""
        await self.server.emit(SPAM_EVENT if spam else INBOX_EVENT, item, room=recipient)

    async def push_to(self, wallets: list[str], spam: bool, item: dict[str, Any]) -> None:
        """Deliver the same feed item to every socket of these wallets.

        One emit to all their rooms: python-socketio encodes the packet once and sends the
        same bytes to each socket, where an emit per wallet would encode it per wallet.
        """
        if wallets:  # an empty `to` would mean every socket of the namespace
            await self.server.emit(SPAM_EVENT if spam else INBOX_EVENT, item, to=wallets)

    async def push_withdrawn(self, withdrawn: dict[str, Any]) -> None:
        """Tell every socket of this process that a notification was withdrawn (a reorg).

        Its recipients are not on the log any more, and withdrawals are rare: every client
        hears it and drops the item with that `sid` if it shows it."""
        await self.server.emit(WITHDRAWN_EVENT, withdrawn)

    def wallets(self) -> list[str]:
        """The wallets with a notification socket on this process (their rooms)."""
        rooms = self.server.manager.rooms.get("/", {})
        return [r for r in rooms if isinstance(r, str) and r.startswith("0x") and len(r) == 42]

    async def push_live(self, feeds: list[dict[str, Any]]) -> None:
        """Stream one notification's feed objects to every attached delivery node."""
        for feed in feeds:
            await self.server.emit(LIVE_EVENT, feed, room=DELIVERY_ROOM)
