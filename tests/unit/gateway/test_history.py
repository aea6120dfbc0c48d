"""What a socket missed: delivery-node feed objects, time ranges and reconnect cursors."""

from __future__ import annotations

import pytest

from pushnode_gateway.feeds.formatting import channel_item, delivery_feeds
from pushnode_gateway.feeds.history import (
    MAX_PAGE_SIZE,
    BadRange,
    FeedHistory,
    as_epoch,
    page_request,
)
from pushnode_shared.infra.db import Database
from pushnode_shared.protocol.events import Recipient
from tests.unit.gateway.test_channel_history_api import ALICE, BOB, CHANNEL, sent_three, stored

ALICE_IN = Recipient(address=ALICE.lower(), spam=False)
BOB_SPAM = Recipient(address=BOB.lower(), spam=True)


def test_a_notification_becomes_one_delivery_feed_per_box() -> None:
    feeds = delivery_feeds(channel_item(stored(4, "subset", [ALICE_IN, BOB_SPAM], 3)))
    assert [(f["users"], f["is_spam"]) for f in feeds] == [([ALICE.lower()], 0), ([BOB.lower()], 1)]
    assert feeds[0]["sender"] == f"eip155:11155111:{CHANNEL}"
    assert feeds[0]["payload"]["notification"]["title"] == "subset"


def test_a_notification_without_spam_recipients_is_one_feed() -> None:
    feeds = delivery_feeds(channel_item(stored(3, "targeted", [ALICE_IN], 2)))
    assert [f["is_spam"] for f in feeds] == [0]


def test_times_are_read_from_milliseconds_or_iso() -> None:
    assert as_epoch("1767268920000") == "2026-01-01T12:02:00.000000Z"
    assert as_epoch("2026-01-01T12:02:00Z") == "2026-01-01T12:02:00.000000Z"
    with pytest.raises(BadRange):
        as_epoch("yesterday")


def test_a_history_request_is_checked_and_its_page_size_capped() -> None:
    start, end, page, size = page_request(
        {"startTime": "1767268800000", "endTime": "1767268920000", "page": 2, "pageSize": 9999}
    )
    assert (start, end, page, size) == (
        "2026-01-01T12:00:00.000000Z",
        "2026-01-01T12:02:00.000000Z",
        2,
        MAX_PAGE_SIZE,
    )
    with pytest.raises(BadRange):
        page_request({"page": 1})


async def test_a_delivery_node_pages_through_a_time_range_until_count_is_zero(
    database: Database,
) -> None:
    await sent_three(database)
    history = FeedHistory(database)
    start, end = "2026-01-01T12:02:00.000000Z", "2026-01-01T12:03:00.000000Z"
    first = await history.delivery_page(start, end, 1, 1)
    second = await history.delivery_page(start, end, 2, 1)
    third = await history.delivery_page(start, end, 3, 1)
    titles = [f["payload"]["data"]["asub"] for f in first["feeds"] + second["feeds"]]
    assert titles == ["targeted", "subset", "subset"]  # the subset: inbox feed and spam feed
    assert (first["count"], second["count"], third["count"]) == (1, 1, 0)


async def test_a_reconnecting_wallet_gets_what_came_from_its_cursor_on(database: Database) -> None:
    await sent_three(database)
    history = FeedHistory(database)
    missed = await history.since(ALICE.lower(), "2026-01-01T12:02:00.000000Z")
    assert [(item["payload"]["data"]["asub"], spam) for item, spam in missed] == [
        ("targeted", False),
        ("subset", False),
    ]
    bob = await history.wallet_page(
        BOB.lower(), "2026-01-01T00:00:00.000000Z", "2026-01-02T00:00:00.000000Z", 1, 50
    )
    assert [(f["payload"]["data"]["asub"], f["is_spam"]) for f in bob["feeds"]] == [("subset", 1)]
