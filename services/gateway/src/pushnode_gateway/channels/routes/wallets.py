"""A wallet's reads: the channels it subscribes to and the channels it may send for."""

from __future__ import annotations

from eth_utils.address import to_checksum_address
from fastapi import APIRouter

from pushnode_gateway.channels.adapters import registry, settings
from pushnode_gateway.channels.formatting import delegation_public
from pushnode_gateway.deps import DatabaseDep
from pushnode_gateway.models import DelegationsPublic, SubscriptionPublic, SubscriptionsPublic
from pushnode_gateway.params import account_or_400

router = APIRouter(tags=["users"])


@router.get("/v1/users/{user}/subscriptions")
async def user_subscriptions(
    user: str, database: DatabaseDep, channel: str | None = None
) -> SubscriptionsPublic:
    """Every subscription of the wallet, on any chain; `?channel=` narrows it to one channel."""
    subscriber = account_or_400(user).lower
    only = account_or_400(channel).lower if channel else None
    async with database.engine.connect() as conn:
        rows = await registry.subscriptions_of(conn, subscriber, only)
        chosen = {
            r["channel"]: (await settings.users_json(conn, r["channel"], [subscriber])).get(
                subscriber
            )
            for r in rows
        }
    return SubscriptionsPublic(
        subscriptions=[
            SubscriptionPublic(
                channel=to_checksum_address(r["channel"]), user_settings=chosen[r["channel"]]
            )
            for r in rows
        ]
    )


@router.get("/v1/users/{user}/delegations")
async def user_delegations(user: str, database: DatabaseDep) -> DelegationsPublic:
    """The channels (per chain) this wallet is a delegate of."""
    delegate = account_or_400(user).lower
    async with database.engine.connect() as conn:
        rows = await registry.delegations_of(conn, delegate)
    return DelegationsPublic(delegations=[delegation_public(r) for r in rows])
