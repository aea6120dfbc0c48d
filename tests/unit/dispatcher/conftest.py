"""The dispatcher's database, embedded and migrated, for handler tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from pushnode_dispatcher.bootstrap import MIGRATIONS
from pushnode_shared.infra.db import Database
from tests.support.databases import migrated_sqlite


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with migrated_sqlite(tmp_path / "d.sqlite", "dispatcher", MIGRATIONS) as database:
        yield database
