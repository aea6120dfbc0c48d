"""Bulk reads and writes for one batch of notifications: a handful of queries per batch.

The per-record reads in db.py stay for chain facts and opt-ins; judging notifications is the
hot path, so its state is read once per batch here and its rows written once per batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from pushnode_validator.adapters.db import (
    aliases,
    buckets,
    channels,
    delegates,
    notifications,
    subscriptions,
)
from pushnode_validator.domain.projection import ChannelState
from pushnode_validator.domain.ratelimit import Bucket


async def seen_among(session: AsyncSession, ids: Iterable[str]) -> set[str]:
    """Which of these notification ids were judged already."""
    wanted = sorted(set(ids))
    if not wanted:
        return set()
    query = sa.select(notifications.c.notification_id).where(
        notifications.c.notification_id.in_(wanted)
    )
    return {str(i) for (i,) in await session.execute(query)}


async def alias_owners(
    session: AsyncSession, pairs: Iterable[tuple[int, str]]
) -> dict[tuple[int, str], str]:
    """(chain id, address) -> the channel that address is a verified alias of."""
    addresses = sorted({a for _, a in pairs})
    if not addresses:
        return {}
    query = sa.select(aliases.c.chain_id, aliases.c.alias, aliases.c.channel).where(
        aliases.c.alias.in_(addresses)
    )
    return {(int(c), str(a)): str(ch) for c, a, ch in await session.execute(query)}


async def load_channels(
    session: AsyncSession, wanted: Mapping[str, set[str] | None]
) -> dict[str, ChannelState]:
    """Channel -> state, with the subscribers among the wanted wallets (None: all of them)."""
    keys = sorted(wanted)
    if not keys:
        return {}
    rows = await session.execute(sa.select(channels).where(channels.c.channel.in_(keys)))
    states = {
        str(r.channel): ChannelState(
            channel=str(r.channel),
            chain_id=r.chain_id,
            active=r.active,
            channel_type=r.channel_type,
            identity=r.identity,
            cause=r.cause,
        )
        for r in rows
    }
    dels = await _pairs(session, delegates, delegates.c.delegate, keys)
    links = await _pairs(session, aliases, aliases.c.alias, keys)
    subs = await _subscribers(session, wanted)
    return {
        key: ChannelState(
            channel=key,
            subscribers=frozenset(subs.get(key, ())),
            delegates=frozenset(dels.get(key, ())),
        )
        if key not in states
        else _with(states[key], subs.get(key, set()), dels.get(key, set()), links.get(key, set()))
        for key in keys
    }


def _with(
    state: ChannelState, subs: set[str], dels: set[tuple[int, str]], links: set[tuple[int, str]]
) -> ChannelState:
    return ChannelState(
        channel=state.channel,
        chain_id=state.chain_id,
        active=state.active,
        channel_type=state.channel_type,
        identity=state.identity,
        cause=state.cause,
        subscribers=frozenset(subs),
        delegates=frozenset(dels),
        aliases=frozenset(links),
    )


async def _pairs(
    session: AsyncSession, table: sa.Table, column: sa.Column[str], keys: list[str]
) -> dict[str, set[tuple[int, str]]]:
    query = sa.select(table.c.channel, table.c.chain_id, column).where(table.c.channel.in_(keys))
    found: dict[str, set[tuple[int, str]]] = {}
    for channel, chain_id, address in await session.execute(query):
        found.setdefault(str(channel), set()).add((int(chain_id), str(address)))
    return found


async def _subscribers(
    session: AsyncSession, wanted: Mapping[str, set[str] | None]
) -> dict[str, set[str]]:
    everyone = sorted(k for k, w in wanted.items() if w is None)
    some = {k: w for k, w in wanted.items() if w}
    wallets = sorted({a for w in some.values() for a in w})
    found: dict[str, set[str]] = {}
    queries = []
    if everyone:
        queries.append(sa.select(subscriptions).where(subscriptions.c.channel.in_(everyone)))
    if some:
        queries.append(
            sa.select(subscriptions).where(
                subscriptions.c.channel.in_(sorted(some)) & subscriptions.c.subscriber.in_(wallets)
            )
        )
    for query in queries:
        for channel, subscriber in await session.execute(query):
            if wanted.get(str(channel)) is None or subscriber in (wanted[str(channel)] or ()):
                found.setdefault(str(channel), set()).add(str(subscriber))
    return found


async def load_buckets(session: AsyncSession, keys: Iterable[str]) -> dict[str, Bucket]:
    """The rate buckets of these channels (absent: never accepted anything)."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    query = sa.select(buckets).where(buckets.c.channel.in_(wanted))
    return {
        str(r.channel): Bucket(tokens=int(r.tokens), at_us=int(r.at_us))
        for r in await session.execute(query)
    }


async def write(
    session: AsyncSession,
    verdicts: list[dict[str, object]],
    changed_buckets: Mapping[str, Bucket],
) -> None:
    """Insert the batch's verdict rows and replace its changed buckets, one statement each."""
    if verdicts:
        await session.execute(sa.insert(notifications), verdicts)
    if changed_buckets:
        keys = sorted(changed_buckets)
        await session.execute(sa.delete(buckets).where(buckets.c.channel.in_(keys)))
        rows = [
            {"channel": k, "tokens": changed_buckets[k].tokens, "at_us": changed_buckets[k].at_us}
            for k in keys
        ]
        await session.execute(sa.insert(buckets), rows)
