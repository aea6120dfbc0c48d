"""The dispatcher's database, embedded and migrated, for handler tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from pushnode_dispatcher.bootstrap import MIGRATIONS
from pushnode_shared.infra.db import Database


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'd.sqlite'}", "dispatcher", MIGRATIONS)
    await database.upgrade()
    yield database
    await database.dispose()
