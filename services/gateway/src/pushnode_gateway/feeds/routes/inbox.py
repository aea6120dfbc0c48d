"""GET /apis/v1/users/{caip}/feeds: a wallet's inbox (spam=false) or spam box (spam=true)."""

from __future__ import annotations

from fastapi import APIRouter

from pushnode_gateway.deps import DatabaseDep
from pushnode_gateway.feeds.adapters import inbox
from pushnode_gateway.models import FeedsPublic
from pushnode_gateway.params import LimitQuery, PageQuery, account_or_400

router = APIRouter(tags=["feeds"])


@router.get("/v1/users/{user}/feeds")
async def user_feeds(
    user: str,
    database: DatabaseDep,
    page: PageQuery = 1,
    limit: LimitQuery = 10,
    spam: bool = False,
) -> FeedsPublic:
    """Newest first, `limit` per page (the SDK's default 10, max 50)."""
    address = account_or_400(user).lower
    async with database.engine.connect() as conn:
        items, total = await inbox.page_of_inbox(conn, address, spam, page, limit)
    return FeedsPublic(feeds=items, itemcount=total)
