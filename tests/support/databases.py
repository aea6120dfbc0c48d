"""Test databases: one with a test's own tables (real PostgreSQL), one migrated (SQLite)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import sqlalchemy as sa

from pushnode_shared.infra.db import Database


@asynccontextmanager
async def database_with(url: str, schema: sa.MetaData, name: str) -> AsyncIterator[Database]:
    """Open `url` as service `name`, create `schema`'s tables, dispose when done."""
    db = Database(url, name, Path("unused"))  # no migrations: the test owns its tables
    async with db.engine.begin() as conn:
        await conn.run_sync(schema.create_all)
    try:
        yield db
    finally:
        await db.dispose()


@asynccontextmanager
async def migrated_sqlite(path: Path, name: str, migrations: Path) -> AsyncIterator[Database]:
    """A SQLite file at `path` migrated as service `name`'s database, disposed when done."""
    db = Database(f"sqlite+aiosqlite:///{path}", name, migrations)
    await db.upgrade()
    try:
        yield db
    finally:
        await db.dispose()
