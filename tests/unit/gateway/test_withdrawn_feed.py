"""A withdrawn notification (a reorg removed its chain log) leaves every feed and every socket
hears of it."""

from __future__ import annotations

import httpx

from pushnode_gateway.feeds import projection as feed_projection
from pushnode_gateway.sockets.live import PUSHES
from pushnode_gateway.sockets.server import FeedSockets
from pushnode_shared.infra.consumer import HandlerContext
from pushnode_shared.infra.db import Database
from pushnode_shared.protocol.events import MessageStored, MessageWithdrawn, Recipient, wrap
from tests.unit.gateway.test_broadcast_inbox import ALICE_L, added, broadcast, titles
from tests.unit.gateway.test_channel_history_api import CAIP, SEPOLIA, apply, stored
from tests.unit.gateway.test_sockets import heard, served

__all__ = ["served"]  # the fixture


def withdrawn(message: MessageStored) -> MessageWithdrawn:
    return MessageWithdrawn(
        notification_id=message.notification_id,
        channel=message.channel,
        chain_id=SEPOLIA,
        reason="reorg",
    )


async def history(client: httpx.AsyncClient) -> list[str]:
    body = (await client.get(f"/apis/v2/channels/{CAIP}/notifications")).json()
    return [n["message"]["notification"]["title"] for n in body["notifications"]]


async def test_a_withdrawn_notification_leaves_the_inbox_and_the_channel_history(
    client: httpx.AsyncClient, database: Database
) -> None:
    gone = stored(3, "Gone", [Recipient(address=ALICE_L, spam=False)], 1)
    kept = stored(3, "Kept", [Recipient(address=ALICE_L, spam=False)], 2)
    await apply(database, gone, kept)
    assert await titles(client, ALICE_L) == ["Kept", "Gone"]
    await apply(database, withdrawn(gone))
    assert await titles(client, ALICE_L) == ["Kept"]
    assert await history(client) == ["Kept"]


async def test_a_withdrawn_broadcast_leaves_its_subscribers_inboxes(
    client: httpx.AsyncClient, database: Database
) -> None:
    news = broadcast("News", 1, 1)
    await apply(database, added(ALICE_L, 1), news)
    assert await titles(client, ALICE_L) == ["News"]
    await apply(database, withdrawn(news))
    assert await titles(client, ALICE_L) == []


async def test_a_notification_withdrawn_in_the_batch_that_stored_it_is_never_written(
    client: httpx.AsyncClient, database: Database
) -> None:
    gone = stored(3, "Brief", [Recipient(address=ALICE_L, spam=False)], 1)
    async with database.transaction() as session:
        ctx = HandlerContext(session=session, replay=False)
        for event in (gone, withdrawn(gone)):
            envelope = wrap(event, producer="test")
            await feed_projection.HANDLERS[envelope.type](ctx, envelope)
        await ctx.flush()
    assert await titles(client, ALICE_L) == []
    assert await history(client) == []


async def test_every_connected_socket_hears_that_a_notification_was_withdrawn(
    served: tuple[str, FeedSockets],
) -> None:
    url, sockets = served
    gone = stored(3, "Gone", [Recipient(address=ALICE_L, spam=False)], 1)
    withdraw = PUSHES["MessageWithdrawn"]
    alice = f"{url}?address={ALICE_L}"
    got = await heard(alice, "notificationWithdrawn", lambda _: withdraw(sockets, withdrawn(gone)))
    assert got == [
        {
            "sid": gone.notification_id,
            "channel": gone.channel,
            "chain_id": SEPOLIA,
            "reason": "reorg",
        }
    ]
