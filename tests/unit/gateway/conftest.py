"""The gateway's app over an embedded database, with fakes for Kafka and IPFS."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from pushnode_gateway.app import create_app
from pushnode_gateway.bootstrap import MIGRATIONS
from pushnode_gateway.config import Settings
from pushnode_gateway.sockets.server import FeedSockets
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.ipfs import MemoryBlockStore
from pushnode_shared.infra.runtime import Readiness
from pushnode_shared.testing import InMemoryProducer


@pytest.fixture
def producer() -> InMemoryProducer:
    return InMemoryProducer()


@pytest.fixture
def blocks() -> MemoryBlockStore:
    return MemoryBlockStore()


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    """The gateway's database on SQLite, built by its real migrations."""
    settings = Settings(PUSHNODE_DATA_DIR=tmp_path)  # type: ignore[call-arg]
    db = Database(settings.db_url(), "gateway", MIGRATIONS)
    await db.upgrade()
    yield db
    await db.dispose()


@pytest.fixture
async def client(
    producer: InMemoryProducer, blocks: MemoryBlockStore, database: Database, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the app in-process."""
    settings = Settings(PUSHNODE_DATA_DIR=tmp_path)  # type: ignore[call-arg]
    app = create_app(
        settings,
        producer,
        database,
        FeedSockets(),
        Readiness(),
        blocks,  # type: ignore[arg-type]
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as test_client:
        yield test_client
