"""Pods starting together on PostgreSQL migrate one at a time, under an advisory lock."""

from __future__ import annotations

import asyncio
import hashlib

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pushnode_gateway.bootstrap import MIGRATIONS
from pushnode_shared.infra.db import Database

pytestmark = pytest.mark.integration


def lock_key(service: str) -> int:
    digest = hashlib.sha256(f"pushnode-migrations:{service}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


async def test_five_pods_starting_at_once_migrate_once_without_a_race(database_url: str) -> None:
    pods = [Database(database_url, "gateway", MIGRATIONS) for _ in range(5)]
    try:
        await asyncio.gather(*(pod.upgrade() for pod in pods))
        async with pods[0].engine.connect() as conn:
            versions = (await conn.execute(sa.text("SELECT * FROM alembic_version_gateway"))).all()
    finally:
        await asyncio.gather(*(pod.dispose() for pod in pods))
    assert len(versions) == 1


async def test_a_pod_waits_while_another_holds_the_migration_lock(database_url: str) -> None:
    leader = Database(database_url, "gateway", MIGRATIONS)
    follower = Database(database_url, "gateway", MIGRATIONS)
    try:
        async with leader.engine.begin() as conn:
            await conn.execute(
                sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key("gateway")}
            )
            waiting = asyncio.create_task(follower.upgrade())
            while not await _someone_waits_for_the_lock(conn):
                assert not waiting.done(), "the follower migrated while the leader held the lock"
                await asyncio.sleep(0.05)
        await waiting
    finally:
        await leader.dispose()
        await follower.dispose()


async def _someone_waits_for_the_lock(conn: AsyncConnection) -> bool:
    query = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
    return bool((await conn.execute(sa.text(query))).scalar_one())
