"""A service refuses to start on a schema a newer release migrated, saying so; a schema at
head is recognised without Alembic, and the heads read so are Alembic's own."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.config import Config
from alembic.script import ScriptDirectory

from pushnode_gateway.bootstrap import MIGRATIONS
from pushnode_shared.infra.db import Database, SchemaTooNew
from pushnode_shared.infra.schema_head import at_head, script_heads

SERVICE_MIGRATIONS = sorted(Path(__file__).parents[3].glob("services/*/src/*/migrations"))


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


@pytest.mark.parametrize("migrations", SERVICE_MIGRATIONS, ids=lambda p: p.parent.name)
def test_the_heads_read_from_the_scripts_are_alembics(migrations: Path) -> None:
    config = Config()
    config.set_main_option("script_location", str(migrations))
    assert script_heads(migrations) == set(ScriptDirectory.from_config(config).get_heads())


def test_a_script_with_a_computed_revision_leaves_the_answer_to_alembic(tmp_path: Path) -> None:
    (tmp_path / "versions").mkdir()
    (tmp_path / "versions" / "0001_a.py").write_text('revision = "0001"\ndown_revision = None\n')
    (tmp_path / "versions" / "0002_b.py").write_text('revision = "00" + "02"\n')
    assert script_heads(tmp_path) is None


async def test_only_a_database_at_head_counts_as_at_head(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'gateway.sqlite'}", "gateway", MIGRATIONS)
    try:
        fresh = await at_head(db.engine, MIGRATIONS, db.version_table)
        await db.upgrade()
        migrated = await at_head(db.engine, MIGRATIONS, db.version_table)
        async with db.transaction() as session:
            await session.execute(sa.text(f"UPDATE {db.version_table} SET version_num = '0001'"))
        behind = await at_head(db.engine, MIGRATIONS, db.version_table)
    finally:
        await db.dispose()
    assert (fresh, migrated, behind) == (False, True, False)
