"""Who of this process's connected wallets a broadcast reaches (for the live feed).

A broadcast names no recipients (events.Broadcast). The live feed asks the subscription
periods which of the wallets connected here were subscribed at the broadcast's position: the
connected set, never the channel's whole list. The periods are folded by the gateway-protocol
consumer, which may not have reached the broadcast's subscription facts yet when the stored
message arrives: the audience waits until the channel's folded position reaches the
broadcast's, rather than push to too few sockets. After `wait_seconds` it pushes to what it
has and says so (a client that missed it gets it from /feeds or a `since` reconnect).
"""

from __future__ import annotations

import asyncio

from pushnode_gateway.feeds.adapters.inbox import PERIODS
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.logging import get_logger
from pushnode_shared.protocol.events import Broadcast
from pushnode_shared.protocol.periods import folded_to, subscribed_among

log = get_logger(__name__)
CHUNK = 1000  # wallets per query


class Audience:
    """Reads the subscription periods of the gateway's database."""

    def __init__(
        self, database: Database, wait_seconds: float = 30.0, poll_seconds: float = 0.05
    ) -> None:
        self.database = database
        self.wait_seconds = wait_seconds
        self.poll_seconds = poll_seconds

    async def reached(self, broadcast: Broadcast, wallets: list[str]) -> set[str]:
        """The wallets among `wallets` subscribed to the channel at the broadcast's position."""
        if not wallets:
            return set()
        await self._caught_up(broadcast)
        found: set[str] = set()
        ordered = sorted(set(wallets))
        async with self.database.engine.connect() as conn:
            for start in range(0, len(ordered), CHUNK):
                chunk = ordered[start : start + CHUNK]
                found |= await subscribed_among(
                    conn, PERIODS, broadcast.channel, broadcast.position, chunk
                )
        return found

    async def _caught_up(self, broadcast: Broadcast) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.wait_seconds
        while True:
            async with self.database.engine.connect() as conn:
                folded = await folded_to(conn, PERIODS, broadcast.channel)
            if folded >= broadcast.position:
                return
            if loop.time() >= deadline:
                log.warning(
                    "subscriptions behind a broadcast; pushing to those known",
                    channel=broadcast.channel,
                    position=broadcast.position,
                    folded=folded,
                )
                return
            await asyncio.sleep(self.poll_seconds)
