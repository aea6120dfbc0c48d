"""A Database with a test's own tables created, for consumer tests on real PostgreSQL."""

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
