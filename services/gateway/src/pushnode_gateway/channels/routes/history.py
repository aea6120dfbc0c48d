"""Channel reads beside the registry: search, what a channel sent (v2), alias resolution."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from eth_utils.address import to_checksum_address
from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from pushnode_gateway.channels.adapters import read_model
from pushnode_gateway.channels.formatting import channels_public
from pushnode_gateway.channels.routes.narrowing import (
    FilterQuery,
    TagQuery,
    WalletQuery,
    narrowing,
    with_verification,
)
from pushnode_gateway.deps import DatabaseDep
from pushnode_gateway.errors import ApiError
from pushnode_gateway.feeds.formatting import TYPE_NAMES, v2_notification
from pushnode_gateway.models import ChannelPublic
from pushnode_gateway.params import LimitQuery, PageQuery, account_or_400

router = APIRouter(tags=["channels"])


@router.get("/v1/channels/search/")
@router.get("/v1/channels/search", include_in_schema=False)
async def search_channels(
    database: DatabaseDep,
    query: Annotated[str, Query(min_length=1, max_length=200)],
    page: PageQuery = 1,
    limit: LimitQuery = 10,
    order: Literal["asc", "desc"] = "desc",
    kind: FilterQuery = None,
    tag: TagQuery = None,
    user_subscribed: WalletQuery = None,
) -> dict[str, Any]:
    """Channels whose metadata name contains `query` (any case), or whose address starts with it.

    Ordered by subscribers (`order`, most first by default); `filter`, `tag` and
    `user_subscribed` narrow it as they narrow the channel list.
    """
    if "\x00" in query:  # PostgreSQL text cannot hold it: refuse rather than fail
        raise ApiError(400, "BAD_QUERY", "query contains a NUL character")
    narrow = narrowing(kind, tag, user_subscribed)
    async with database.engine.connect() as conn:
        rows, total = await read_model.search_channels(
            conn, query, page, limit, narrow, order == "desc"
        )
        found: list[ChannelPublic] = await with_verification(
            conn, channels_public(rows, *await read_model.decorations(conn, rows))
        )
    return {"channels": [c.model_dump() for c in found], "itemcount": total, "itemCount": total}


@router.get("/v2/channels/{channel}/notifications")
async def channel_notifications(
    channel: str,
    database: DatabaseDep,
    page: PageQuery = 1,
    limit: LimitQuery = 10,
    notification_type: Annotated[int | None, Query(alias="notificationType")] = None,
    raw: bool = True,
) -> dict[str, Any]:
    """What the channel sent, newest first, optionally one type (1 broadcast, 3, 4 subset).

    `raw` is accepted for the SDK; every entry carries `raw.verificationProof` either way.
    """
    address = account_or_400(channel).lower
    if notification_type not in (None, *TYPE_NAMES):
        raise ApiError(400, "BAD_NOTIFICATION_TYPE", "notificationType is 1, 3 or 4")
    async with database.engine.connect() as conn:
        items, total = await read_model.page_of_channel_notifications(
            conn, address, notification_type, page, limit
        )
    return {"notifications": [v2_notification(i) for i in items], "total": total}


@router.get("/v1/alias/{alias}/channel")
async def alias_channel(alias: str, database: DatabaseDep) -> dict[str, Any]:
    """The Ethereum channel a verified alias (its address on another chain) speaks for.

    `channel` is the checksummed channel address, as the SDK's alias lookup reads it; a
    partial CAIP (`eip155:0x…`) matches an alias on any chain. 404 UNKNOWN_ALIAS otherwise.
    """
    account = account_or_400(alias)
    async with database.engine.connect() as conn:
        row = await read_model.alias_of(conn, account.lower, account.chain_id)
    if row is None:
        raise ApiError(404, "UNKNOWN_ALIAS", f"{alias} is no verified alias on this node")
    return {
        "channel": to_checksum_address(row["channel"]),
        "alias_address": to_checksum_address(row["alias"]),
        "alias_blockchain_id": str(row["alias_chain_id"]),
        "is_alias_verified": 1,
    }


class LegacySubscribersCreate(BaseModel):
    """The legacy body of the SDK's deprecated _getSubscribers: a bare channel and its chain."""

    channel: str = Field(max_length=200)
    blockchain: int | str | None = None
    op: str | None = None


@router.post("/channels/_get_subscribers")
async def legacy_subscribers(
    body: LegacySubscribersCreate, database: DatabaseDep
) -> dict[str, Any]:
    """Every subscriber of the channel as a checksummed address (the SDK reads `subscribers`).

    A subscription holds on every chain of the channel, so `blockchain` does not narrow it.
    """
    address = account_or_400(body.channel).lower
    async with database.engine.connect() as conn:
        rows = await read_model.all_subscribers(conn, address)
    return {"subscribers": [to_checksum_address(r) for r in rows]}
