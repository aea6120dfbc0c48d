"""Integration fixtures: a fresh PostgreSQL database per test on the dev stack's server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest

PG_ADMIN = os.environ.get(
    "PUSHNODE_PG_ADMIN", "postgresql://pushnode:pushnode@127.0.0.1:55432/pushnode"
)
KAFKA = os.environ.get("KAFKA_BOOTSTRAP", "127.0.0.1:9092")


@pytest.fixture
def database_url() -> Iterator[str]:
    """A new, empty database; dropped afterwards."""
    name = f"pushnode_it_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql+asyncpg://pushnode:pushnode@127.0.0.1:55432/{name}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def kafka() -> str:
    return KAFKA
