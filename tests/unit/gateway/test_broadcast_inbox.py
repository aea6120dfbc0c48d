"""Broadcasts are stored once and read through subscription periods, with the feed's shape."""

from __future__ import annotations

import httpx
import pytest

from pushnode_gateway.feeds.adapters import inbox
from pushnode_gateway.feeds.history import FAR_FUTURE
from pushnode_shared.infra.db import Database
from pushnode_shared.protocol.events import (
    Broadcast,
    MessageStored,
    Recipient,
    SubscriptionAdded,
    SubscriptionRemoved,
)
from pushnode_shared.protocol.periods import folded_to
from tests.unit.gateway.test_channel_history_api import ALICE, BOB, CHANNEL, SEPOLIA, apply, stored

CHANNEL_L, ALICE_L, BOB_L = CHANNEL.lower(), ALICE.lower(), BOB.lower()


def added(wallet: str, position: int) -> SubscriptionAdded:
    return SubscriptionAdded(
        channel=CHANNEL_L, subscriber=wallet, chain_id=SEPOLIA, position=position
    )


def removed(wallet: str, position: int) -> SubscriptionRemoved:
    return SubscriptionRemoved(
        channel=CHANNEL_L, subscriber=wallet, chain_id=SEPOLIA, position=position
    )


def broadcast(title: str, position: int, minute: int) -> MessageStored:
    message = stored(1, title, [], minute)
    payload = {**message.payload}
    payload.pop("recipients")  # as the SDK's broadcasts: no recipients in the payload
    audience = Broadcast(channel=CHANNEL_L, position=position)
    return message.model_copy(update={"broadcast": audience, "payload": payload})


async def titles(client: httpx.AsyncClient, wallet: str, **params: object) -> list[str]:
    answer = await client.get(f"/apis/v1/users/eip155:{SEPOLIA}:{wallet}/feeds", params=params)
    assert answer.status_code == 200, answer.text
    return [f["payload"]["notification"]["title"] for f in answer.json()["feeds"]]


async def a_channel_history(database: Database) -> None:
    """Alice in, A, Bob in, B, Alice out, C, a targeted one to Alice, Alice back in, D."""
    await apply(
        database,
        added(ALICE_L, 1),
        broadcast("A", 1, 1),
        added(BOB_L, 2),
        broadcast("B", 2, 2),
        removed(ALICE_L, 3),
        broadcast("C", 3, 3),
        stored(3, "to-alice", [Recipient(address=ALICE_L, spam=False)], 4),
        added(ALICE_L, 4),
        broadcast("D", 4, 5),
    )


async def test_each_wallet_reads_the_broadcasts_of_its_subscription_periods(
    client: httpx.AsyncClient, database: Database
) -> None:
    await a_channel_history(database)
    assert await titles(client, ALICE) == ["D", "to-alice", "B", "A"]
    # Bob opted in after A: later broadcasts reach his inbox, the earlier one never does
    assert await titles(client, BOB) == ["D", "C", "B"]


@pytest.mark.parametrize(
    ("page", "titles_on_it"),
    [(2, ["A"]), (5, [])],
    ids=["the last page", "a page past the end"],
)
async def test_pages_and_counts_run_over_own_rows_and_broadcasts_alike(
    client: httpx.AsyncClient, database: Database, page: int, titles_on_it: list[str]
) -> None:
    await a_channel_history(database)
    path = f"/apis/v1/users/eip155:{SEPOLIA}:{ALICE}/feeds"
    answer = (await client.get(path, params={"page": page, "limit": 3})).json()
    assert answer["itemcount"] == 4  # the whole inbox, whatever the page
    assert [f["payload"]["notification"]["title"] for f in answer["feeds"]] == titles_on_it


async def test_a_wallet_without_subscriptions_has_an_empty_inbox(
    client: httpx.AsyncClient, database: Database
) -> None:
    await a_channel_history(database)
    nobody = (await client.get(f"/apis/v1/users/eip155:{SEPOLIA}:{CHANNEL}/feeds")).json()
    assert (nobody["feeds"], nobody["itemcount"]) == ([], 0)


async def test_a_broadcast_item_names_its_reader_as_recipient_and_never_lands_in_spam(
    client: httpx.AsyncClient, database: Database
) -> None:
    await a_channel_history(database)
    answer = await client.get(f"/apis/v1/users/eip155:{SEPOLIA}:{BOB}/feeds")
    assert {f["payload"]["recipients"] for f in answer.json()["feeds"]} == {BOB_L}
    assert await titles(client, BOB, spam="true") == []


async def test_the_per_channel_feed_includes_the_channels_broadcasts(
    client: httpx.AsyncClient, database: Database
) -> None:
    await a_channel_history(database)
    path = f"/apis/v1/users/eip155:{SEPOLIA}:{BOB}/channels/eip155:{SEPOLIA}:{CHANNEL}/feeds"
    answer = (await client.get(path)).json()
    assert [f["payload"]["notification"]["title"] for f in answer["feeds"]] == ["D", "C", "B"]


async def test_a_replayed_subscription_fact_changes_no_period(
    client: httpx.AsyncClient, database: Database
) -> None:
    await a_channel_history(database)
    await apply(database, added(ALICE_L, 1), removed(ALICE_L, 3), broadcast("E", 4, 6))
    assert await titles(client, ALICE) == ["E", "D", "to-alice", "B", "A"]


async def test_the_folded_position_tells_how_far_subscriptions_were_read(
    database: Database,
) -> None:
    await apply(database, added(ALICE_L, 1), added(BOB_L, 2))
    async with database.engine.connect() as conn:
        assert await folded_to(conn, inbox.PERIODS, CHANNEL_L) == 2
        assert await folded_to(conn, inbox.PERIODS, "0x" + "00" * 20) == 0


async def test_a_time_range_of_the_inbox_includes_broadcasts(database: Database) -> None:
    await a_channel_history(database)
    async with database.engine.connect() as conn:
        rows = await inbox.inbox_between(conn, BOB_L, "2026", FAR_FUTURE, 1, 10)
    assert [(item["payload"]["notification"]["title"], spam) for item, spam in rows] == [
        ("B", False),
        ("C", False),
        ("D", False),
    ]
