"""Channel reads: details, the channel list, a channel's subscribers and its delegates."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncConnection

from pushnode_gateway.channels.adapters import read_model, registry, settings
from pushnode_gateway.channels.formatting import caip10, channels_public, subscriber_public
from pushnode_gateway.channels.routes.narrowing import (
    FilterQuery,
    TagQuery,
    WalletQuery,
    narrowing,
    unsupported,
    with_verification,
)
from pushnode_gateway.deps import DatabaseDep
from pushnode_gateway.errors import ApiError
from pushnode_gateway.models import (
    ChannelPublic,
    ChannelsPublic,
    DelegatesPublic,
    SubscribersPublic,
)
from pushnode_gateway.params import LimitQuery, PageQuery, account_or_400
from pushnode_shared.protocol.settings import BadSettings

router = APIRouter(tags=["channels"])


@router.get("/v1/channels")
async def list_channels(
    database: DatabaseDep,
    page: PageQuery = 1,
    limit: LimitQuery = 10,
    sort: Literal["subscribers", "timestamp"] = "subscribers",
    order: Literal["asc", "desc"] = "desc",
    kind: FilterQuery = None,
    tag: TagQuery = None,
    user_subscribed: WalletQuery = None,
) -> ChannelsPublic:
    """Channels that are not blocked; the SDK's default is most subscribers first.

    `filter` all/verified/unverified (Core's verification), `tag` one of the channel's tags,
    `user_subscribed` a wallet: only the channels it is subscribed to."""
    narrow = narrowing(kind, tag, user_subscribed)
    async with database.engine.connect() as conn:
        rows, total = await registry.page_of_channels(conn, page, limit, sort, order, narrow)
        found = channels_public(rows, *await read_model.decorations(conn, rows))
        return ChannelsPublic(channels=await with_verification(conn, found), itemcount=total)


@router.get("/v1/channels/{channel}")
async def get_channel(channel: str, database: DatabaseDep) -> ChannelPublic:
    """One channel by address (the CAIP's chain id is not needed to find it); 404 if unknown."""
    address = account_or_400(channel).lower
    async with database.engine.connect() as conn:
        row = await registry.get_channel(conn, address)
        if row is None:
            raise ApiError(404, "UNKNOWN_CHANNEL", f"{channel} is not a channel on this node")
        found = channels_public([row], *await read_model.decorations(conn, [row]))
        return (await with_verification(conn, found))[0]


@router.get("/v1/channels/{channel}/subscribers")
async def channel_subscribers(
    channel: str,
    database: DatabaseDep,
    page: PageQuery = 1,
    limit: LimitQuery = 10,
    category: int | None = None,
    setting: bool = False,
) -> SubscribersPublic:
    """A page of subscribers in address order, with the total as `itemcount`; each with its
    notification `settings` (null without any), whatever `setting` says. `category` (the
    1-based index of one of the channel's settings): only the subscribers who get it."""
    del setting  # settings are always included: the SDK parses them when present
    address = account_or_400(channel).lower
    async with database.engine.connect() as conn:
        if category is None:
            rows, total = await registry.page_of_subscribers(conn, address, page, limit)
        else:
            rows, total = await _in_category(conn, address, category, page, limit)
        chosen = await settings.users_json(conn, address, [r["subscriber"] for r in rows])
    return SubscribersPublic(
        subscribers=[subscriber_public(r, chosen.get(r["subscriber"])) for r in rows],
        itemcount=total,
    )


@router.get("/v1/channels/{channel}/delegates")
async def channel_delegates(channel: str, database: DatabaseDep) -> DelegatesPublic:
    """Delegates on the CAIP's chain (all chains for a chain-less address), as CAIP-10."""
    account = account_or_400(channel)
    async with database.engine.connect() as conn:
        rows = await registry.delegates_of(conn, account.lower, account.chain_id)
    return DelegatesPublic(delegates=[caip10(r["chain_id"], r["delegate"]) for r in rows])


async def _in_category(
    conn: AsyncConnection, channel: str, category: int, page: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    try:
        wallets = await settings.in_category(conn, channel, category)
    except BadSettings as exc:
        raise unsupported("category", category, str(exc)) from exc
    start = (page - 1) * limit
    return [{"subscriber": w} for w in wallets[start : start + limit]], len(wallets)
