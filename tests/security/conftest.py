"""The gateway in-process, built with the settings a hostile-input test needs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from pushnode_gateway.app import create_app
from pushnode_gateway.config import Settings
from pushnode_gateway.sockets.server import FeedSockets
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.runtime import Readiness
from pushnode_shared.testing import InMemoryProducer
from tests.unit.gateway.conftest import blocks, database, producer

__all__ = ["blocks", "database", "producer"]

Gateway = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def gateway(producer: InMemoryProducer, database: Database, tmp_path: Path) -> Gateway:
    """`async with gateway(**settings) as http:` a client of an app built with those settings."""

    @asynccontextmanager
    async def build(**overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
        settings = Settings(PUSHNODE_DATA_DIR=tmp_path, **overrides)  # type: ignore[call-arg]
        app = create_app(settings, producer, database, FeedSockets(), Readiness())  # type: ignore[arg-type]
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
            yield http

    return build
