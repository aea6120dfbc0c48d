"""What a socket missed: time ranges (`historicalFeeds`) and a reconnect cursor (`since`).

A delivery node (query {mode: 'delivery'}) back-fills its downtime exactly as it does against
Push's backend: it emits `historicalFeeds` {startTime, endTime, page, pageSize} (ms epoch) and
gets `historicalFeeds` {count, feeds} back, paging until count is 0. A wallet's notification
socket may ask the same for its own inbox and spam box, or reconnect with query
{address, since: <epoch of the last item it saw, ISO or ms>} to be sent what came after it as
ordinary userFeeds / userSpamFeeds events. Delivery is at least once: items at exactly `since`
come again, and a live push may overlap the replay, so clients dedupe by `sid`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pushnode_gateway.channels.adapters import read_model
from pushnode_gateway.feeds.adapters import inbox
from pushnode_gateway.feeds.formatting import delivery_feeds
from pushnode_shared.infra.db import Database

# Bounds on what one socket request can make the node read and send (issue 15): a client
# pages on (it asks until count is 0), a reconnect past REPLAY_LIMIT items reads /feeds.
MAX_PAGE_SIZE = 100
MAX_PAGE = 10_000
REPLAY_LIMIT = 500
FAR_FUTURE = "9999-12-31T23:59:59.999999Z"


class BadRange(ValueError):
    """A historicalFeeds request or a since cursor that is not a time."""


def as_epoch(value: Any) -> str:
    """A time as the feed rows store it (ISO-8601, Z): from ms since 1970 or from ISO itself."""
    text = str(value).strip()
    if text.isdigit():
        moment = datetime.fromtimestamp(int(text) / 1000, tz=UTC)
    else:
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError as exc:
            raise BadRange(f"not a time: {text!r}") from exc
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def page_request(data: Any) -> tuple[str, str, int, int]:
    """{startTime, endTime, page, pageSize} -> (start, end, page, size), checked."""
    if not isinstance(data, dict) or "startTime" not in data:
        raise BadRange("expected {startTime, endTime, page, pageSize}")
    end = as_epoch(data["endTime"]) if data.get("endTime") else FAR_FUTURE
    try:
        page = max(1, int(data.get("page") or 1))
        size = min(MAX_PAGE_SIZE, max(1, int(data.get("pageSize") or 50)))
    except (TypeError, ValueError, OverflowError) as exc:
        raise BadRange("page and pageSize are numbers") from exc
    if page > MAX_PAGE:
        raise BadRange(f"page is at most {MAX_PAGE}; narrow the time range instead")
    return as_epoch(data["startTime"]), end, page, size


class FeedHistory:
    """Reads the gateway's projections for the socket server."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def delivery_page(self, start: str, end: str, page: int, size: int) -> dict[str, Any]:
        """A page of every notification in the range, as delivery-node feed objects."""
        async with self.database.engine.connect() as conn:
            items = await read_model.notifications_between(conn, start, end, page, size)
        feeds = [feed for item in items for feed in delivery_feeds(item)]
        return {"count": len(items), "feeds": feeds}

    async def wallet_page(
        self, wallet: str, start: str, end: str, page: int, size: int
    ) -> dict[str, Any]:
        """A page of one wallet's items in the range; each says whether it is spam."""
        async with self.database.engine.connect() as conn:
            rows = await inbox.inbox_between(conn, wallet, start, end, page, size)
        feeds = [{**item, "is_spam": int(spam)} for item, spam in rows]
        return {"count": len(rows), "feeds": feeds}

    async def since(self, wallet: str, start: str) -> list[tuple[dict[str, Any], bool]]:
        """A wallet's items from `start` on, oldest first (bounded by REPLAY_LIMIT)."""
        async with self.database.engine.connect() as conn:
            return await inbox.inbox_between(conn, wallet, start, FAR_FUTURE, 1, REPLAY_LIMIT)
