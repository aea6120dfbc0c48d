"""GET /apis/v1/users/{caip}/feeds: a wallet's inbox (spam=false) or spam box (spam=true)."""

from __future__ import annotations

from fastapi import APIRouter

from pushnode_gateway.deps import DatabaseDep
from pushnode_gateway.errors import ApiError
from pushnode_gateway.feeds.adapters import inbox
from pushnode_gateway.models import FeedsPublic
from pushnode_gateway.params import LimitQuery, PageQuery
from pushnode_shared.protocol.caip import BadAddress, parse_account

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
    try:
        address = parse_account(user).lower
    except BadAddress as exc:
        raise ApiError(400, "BAD_ADDRESS", str(exc)) from exc
    async with database.engine.connect() as conn:
        items, total = await inbox.page_of_inbox(conn, address, spam, page, limit)
    return FeedsPublic(feeds=items, itemcount=total)
