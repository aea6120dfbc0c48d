"""A PostgreSQL role per service: each owns only its own tables, as production's managed roles.

The database is the dev stack's, set up as devstack/bin/node and the e2e node set it up
(devstack/postgres/roles.sql); each service migrates as its own role.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import ProgrammingError

from pushnode_shared.infra.db import Database

REPO_ROOT = Path(__file__).resolve().parents[3]
if str(REPO_ROOT) not in sys.path:  # devstack/ is not installed in the venv
    sys.path.insert(0, str(REPO_ROOT))

from devstack.postgres.roles import SERVICES, ensure_roles, service_url  # noqa: E402

pytestmark = pytest.mark.integration


@pytest.fixture
async def migrated(database_url: str) -> AsyncIterator[dict[str, Database]]:
    """Every service's schema at head in a fresh database, each migrated by its own role."""
    ensure_roles(database_url)
    databases = {}
    for service in SERVICES:
        migrations = importlib.import_module(f"pushnode_{service}.bootstrap").MIGRATIONS
        databases[service] = Database(service_url(database_url, service), service, migrations)
    try:
        for database in databases.values():
            await database.upgrade()
        yield databases
    finally:
        for database in databases.values():
            await database.dispose()


async def count_devices(database: Database) -> int:
    async with database.engine.connect() as conn:
        return int((await conn.scalar(sa.text("SELECT count(*) FROM dispatcher_devices"))) or 0)


async def owners(database: Database) -> dict[str, str]:
    """Every table in public and the role that owns it."""
    query = sa.text("SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'public'")
    async with database.engine.connect() as conn:
        return {row.tablename: row.tableowner for row in await conn.execute(query)}


async def test_the_gateway_role_cannot_read_the_dispatchers_device_tokens(
    migrated: dict[str, Database],
) -> None:
    assert await count_devices(migrated["dispatcher"]) == 0
    with pytest.raises(ProgrammingError, match="permission denied for table dispatcher_devices"):
        await count_devices(migrated["gateway"])


async def test_each_service_owns_only_tables_with_its_own_prefix(
    migrated: dict[str, Database],
) -> None:
    tables = await owners(migrated["gateway"])
    assert set(tables.values()) == set(SERVICES)
    for table, owner in tables.items():
        assert table.startswith((f"{owner}_", f"alembic_version_{owner}")), (table, owner)


async def test_a_rebuild_drops_and_recreates_only_its_own_tables_as_its_role(
    migrated: dict[str, Database],
) -> None:
    before = await owners(migrated["dispatcher"])
    await migrated["dispatcher"].drop()
    assert "dispatcher_devices" not in await owners(migrated["dispatcher"])
    await migrated["dispatcher"].upgrade()
    assert await owners(migrated["dispatcher"]) == before
    with pytest.raises(ProgrammingError, match="must be owner of table dispatcher_devices"):
        async with migrated["gateway"].engine.begin() as conn:
            await conn.execute(sa.text("DROP TABLE dispatcher_devices"))
