"""GET /apis/v1/users/{caip}/channels/{channel}/feeds: a wallet's feed from one channel."""

from __future__ import annotations

from fastapi import APIRouter

from pushnode_gateway.deps import DatabaseDep
from pushnode_gateway.feeds.adapters import inbox
from pushnode_gateway.models import FeedsPublic
from pushnode_gateway.params import LimitQuery, PageQuery, account_or_400

router = APIRouter(tags=["feeds"])


@router.get("/v1/users/{user}/channels/{channel}/feeds")
async def user_channel_feeds(
    user: str,
    channel: str,
    database: DatabaseDep,
    page: PageQuery = 1,
    limit: LimitQuery = 10,
    spam: bool = False,
) -> FeedsPublic:
    """The same items as /feeds, only those the channel sent; newest first."""
    recipient, sender = account_or_400(user).lower, account_or_400(channel).lower
    async with database.engine.connect() as conn:
        items, total = await inbox.page_of_inbox(conn, recipient, spam, page, limit, sender)
    return FeedsPublic(feeds=items, itemcount=total)
