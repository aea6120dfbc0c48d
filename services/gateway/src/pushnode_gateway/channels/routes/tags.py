"""Channel tags, as the SDK reads them: a channel's tags, every tag, channels by tag.

Tags come from the channel's uploaded metadata (`tags`, which `channel.create/update` and
`channel.tags.add/update/remove` write). This node curates no tags of its own, so the
`filter=PUSH` list of Push-curated tags is empty; `USER` and `*` list the channels' tags.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from pushnode_gateway.channels.adapters import discovery, read_model, registry
from pushnode_gateway.channels.formatting import channels_public
from pushnode_gateway.channels.routes.narrowing import unsupported, with_verification
from pushnode_gateway.deps import DatabaseDep
from pushnode_gateway.errors import ApiError
from pushnode_gateway.params import LimitQuery, PageQuery, account_or_400

router = APIRouter(tags=["channels"])
TAG_FILTERS = ("PUSH", "USER", "*")


@router.get("/v1/channels/search/tags")
async def search_tags(
    database: DatabaseDep,
    query: Annotated[str, Query(min_length=1, max_length=discovery.MAX_TAG_LENGTH)],
    page: PageQuery = 1,
    limit: LimitQuery = 10,
) -> dict[str, Any]:
    """Channels with a tag containing `query` (any case), most subscribers first."""
    if "\x00" in query:
        raise unsupported("query", repr(query), "contains a NUL character")
    async with database.engine.connect() as conn:
        rows, total = await registry.page_of_channels(
            conn, page, limit, "subscribers", "desc", discovery.tag_search(query)
        )
        found = channels_public(rows, *await read_model.decorations(conn, rows))
        found = await with_verification(conn, found)
    return {"channels": [c.model_dump() for c in found], "itemcount": total}


@router.get("/v1/channels/tags/all")
async def all_tags(
    database: DatabaseDep,
    page: PageQuery = 1,
    limit: LimitQuery = 10,
    order: Literal["asc", "desc"] = "desc",
    tag_filter: Annotated[str, Query(alias="filter")] = "PUSH",
) -> dict[str, list[str]]:
    """Distinct tags, alphabetical (`order`); `filter` PUSH (none here), USER or `*`."""
    if tag_filter not in TAG_FILTERS:
        raise unsupported("filter", tag_filter, f"one of {', '.join(TAG_FILTERS)}")
    if tag_filter == "PUSH":
        return {"tags": []}  # this node curates no tags: there are none of Push's own
    async with database.engine.connect() as conn:
        return {"tags": await discovery.all_tags(conn, page, limit, order == "desc")}


@router.get("/v1/channels/{channel}/tags")
async def channel_tags(channel: str, database: DatabaseDep) -> dict[str, list[str]]:
    """The channel's tags, in its metadata's order; 404 for an unknown channel."""
    address = account_or_400(channel).lower
    async with database.engine.connect() as conn:
        row = await registry.get_channel(conn, address)
        if row is None:
            raise ApiError(404, "UNKNOWN_CHANNEL", f"{channel} is not a channel on this node")
        return {"tags": await discovery.tags_of(conn, row["identity"])}
