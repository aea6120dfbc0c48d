"""The live feed pushes a broadcast to the connected wallets subscribed at its position."""

from __future__ import annotations

import asyncio
from typing import Any

from pushnode_gateway.feeds.formatting import channel_item, delivery_feeds
from pushnode_gateway.sockets.audience import Audience
from pushnode_gateway.sockets.live import push_stored
from pushnode_gateway.sockets.server import FeedSockets
from pushnode_shared.infra.db import Database
from tests.unit.gateway.test_broadcast_inbox import ALICE_L, BOB_L, CHANNEL_L, added, broadcast
from tests.unit.gateway.test_channel_history_api import apply
from tests.unit.gateway.test_sockets import client, eventually, served

__all__ = ["served"]  # the fixture


async def test_only_connected_subscribers_get_the_broadcast(
    served: tuple[str, FeedSockets], database: Database
) -> None:
    url, sockets = served
    alice_got: list[Any] = []
    bob_got: list[Any] = []
    alice = await client(f"{url}?address={ALICE_L}", userFeeds=alice_got.append)
    bob = await client(f"{url}?address={BOB_L}", userFeeds=bob_got.append)
    await apply(database, added(ALICE_L, 1))
    await push_stored(sockets, broadcast("A", 1, 1), Audience(database))
    await eventually(alice_got)
    await asyncio.sleep(0.2)  # Bob is not subscribed: nothing is on its way to him
    await alice.disconnect()
    await bob.disconnect()
    assert [i["payload"]["recipients"] for i in alice_got] == [ALICE_L]
    assert bob_got == []


async def test_a_broadcast_ahead_of_the_subscription_fold_waits_for_it(
    served: tuple[str, FeedSockets], database: Database
) -> None:
    url, sockets = served
    bob_got: list[Any] = []
    bob = await client(f"{url}?address={BOB_L}", userFeeds=bob_got.append)
    audience = Audience(database, wait_seconds=30, poll_seconds=0.02)
    pushing = asyncio.create_task(push_stored(sockets, broadcast("B", 1, 2), audience))
    await asyncio.sleep(0.2)
    assert not pushing.done()  # Bob's opt-in (position 1) is not folded yet
    await apply(database, added(BOB_L, 1))
    await pushing
    await eventually(bob_got)
    await bob.disconnect()
    assert [i["payload"]["notification"]["title"] for i in bob_got] == ["B"]


def test_a_delivery_node_gets_a_broadcast_as_one_feed_naming_its_audience() -> None:
    [feed] = delivery_feeds(channel_item(broadcast("A", 7, 1)))
    assert (feed["users"], feed["is_spam"]) == ([], 0)
    assert feed["broadcast"]["position"] == 7


async def test_a_broadcast_naming_its_recipients_is_one_packet_for_every_socket(
    served: tuple[str, FeedSockets], database: Database
) -> None:
    url, sockets = served
    got: dict[str, list[Any]] = {ALICE_L: [], BOB_L: []}
    clients = [await client(f"{url}?address={w}", userFeeds=got[w].append) for w in got]
    await apply(database, added(ALICE_L, 1), added(BOB_L, 2))
    message = broadcast("E", 2, 1)  # as the SDK sends one: recipients = the channel's CAIP
    message = message.model_copy(
        update={"payload": {**message.payload, "recipients": f"eip155:1:{CHANNEL_L}"}}
    )
    emitted: list[str] = []
    emit = sockets.server.emit

    async def counted(event: str, *args: Any, **kwargs: Any) -> None:
        emitted.append(event)
        await emit(event, *args, **kwargs)

    sockets.server.emit = counted  # type: ignore[method-assign]
    await push_stored(sockets, message, Audience(database))
    for items in got.values():
        await eventually(items)
    for each in clients:
        await each.disconnect()
    assert emitted == ["liveFeeds", "userFeeds"]
    assert [i["payload"]["recipients"] for i in got[ALICE_L] + got[BOB_L]] == [
        f"eip155:1:{CHANNEL_L}"
    ] * 2
