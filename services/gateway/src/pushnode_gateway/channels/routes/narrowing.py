"""The SDK's channel-list and search narrowing (`filter`, `tag`, `user_subscribed`), read or
refused: a value the node cannot honour is a 400 naming the parameter, never ignored."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query
from sqlalchemy.ext.asyncio import AsyncConnection

from pushnode_gateway.channels.adapters import discovery, settings
from pushnode_gateway.errors import ApiError
from pushnode_gateway.models import ChannelPublic
from pushnode_gateway.params import account_or_400

UNSUPPORTED = "UNSUPPORTED_PARAMETER"
# `filter` values: the channel list's ChannelListType ('all', 'verified', 'unverified').
FILTERS: dict[str, discovery.Filter] = {
    "all": "all",
    "*": "all",
    "verified": "verified",
    "unverified": "unverified",
}
FilterQuery = Annotated[str | None, Query(alias="filter", max_length=20)]
TagQuery = Annotated[str | None, Query(max_length=discovery.MAX_TAG_LENGTH)]
WalletQuery = Annotated[str | None, Query(max_length=120)]


def unsupported(parameter: str, value: object, why: str) -> ApiError:
    """The 400 for a parameter value this node does not honour."""
    return ApiError(400, UNSUPPORTED, f"{parameter}={value}: {why}")


def narrowing(kind: str | None, tag: str | None, user_subscribed: str | None) -> Any:
    """The SQL condition the three parameters ask for (400 for a value the node lacks)."""
    chosen = FILTERS.get((kind or "all").lower())
    if chosen is None:
        raise unsupported("filter", kind, f"one of {', '.join(sorted(FILTERS))}")
    if tag is not None and ("\x00" in tag or not tag.strip()):
        raise unsupported("tag", repr(tag), "a tag is non-empty text")
    wallet = account_or_400(user_subscribed).lower if user_subscribed else None
    return discovery.narrowing(chosen, tag.strip() if tag else None, wallet)


async def with_verification(
    conn: AsyncConnection, answers: list[ChannelPublic]
) -> list[ChannelPublic]:
    """`verified_status` 1 for the channels Core verified (ChannelVerified, not revoked), and
    `channel_settings` for those that defined notification settings on Core."""
    addresses = [a.channel.lower() for a in answers]
    found = await discovery.verified_among(conn, addresses)
    defined = await settings.channel_json(conn, addresses)
    return [
        a.model_copy(
            update={
                "verified_status": int(a.channel.lower() in found),
                "channel_settings": defined.get(a.channel.lower()),
            }
        )
        for a in answers
    ]
