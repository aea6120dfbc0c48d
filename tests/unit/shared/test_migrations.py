"""A service refuses to start on a schema a newer release migrated, saying so."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from pushnode_gateway.bootstrap import MIGRATIONS
from pushnode_shared.infra.db import Database, SchemaTooNew


async def test_a_schema_at_an_unknown_revision_is_refused_with_a_clear_message(
    tmp_path: Path,
) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'gateway.sqlite'}", "gateway", MIGRATIONS)
    try:
        await db.upgrade()
        async with db.transaction() as session:
            await session.execute(
                sa.text("UPDATE alembic_version_gateway SET version_num = 'f00d'")
            )
        with pytest.raises(SchemaTooNew, match="revision f00d, which this release does not know"):
            await db.upgrade()
    finally:
        await db.dispose()


async def test_a_schema_already_at_head_starts_and_stays_there(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'gateway.sqlite'}", "gateway", MIGRATIONS)
    try:
        await db.upgrade()
        await db.upgrade()
        async with db.engine.connect() as conn:
            versions = (await conn.execute(sa.text("SELECT * FROM alembic_version_gateway"))).all()
    finally:
        await db.dispose()
    assert len(versions) == 1
