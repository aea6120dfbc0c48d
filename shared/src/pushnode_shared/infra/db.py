"""SQLAlchemy async engine, Alembic migrations per service, and the consumer-offset table."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def offsets_table(metadata: sa.MetaData, prefix: str) -> sa.Table:
    """The per-service table where consumers keep offsets next to their projection rows."""
    return sa.Table(
        f"{prefix}_consumer_offsets",
        metadata,
        sa.Column("consumer", sa.String(100), primary_key=True),
        sa.Column("topic", sa.String(200), primary_key=True),
        sa.Column("partition", sa.Integer, primary_key=True),
        sa.Column("offset", sa.BigInteger, nullable=False),
    )


def create_offsets_table(prefix: str) -> None:
    """Alembic op for a service's first migration (keeps the shape in one place)."""
    from alembic import op

    op.create_table(
        f"{prefix}_consumer_offsets",
        sa.Column("consumer", sa.String(100), primary_key=True),
        sa.Column("topic", sa.String(200), primary_key=True),
        sa.Column("partition", sa.Integer, primary_key=True),
        sa.Column("offset", sa.BigInteger, nullable=False),
    )


async def insert_ignore(session: AsyncSession, table: sa.Table, values: dict[str, Any]) -> bool:
    """INSERT … ON CONFLICT DO NOTHING in one round trip; True when a row was inserted."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    result = await session.execute(insert(table).values(**values).on_conflict_do_nothing())
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def insert_ignore_many(
    session: AsyncSession, table: sa.Table, rows: list[dict[str, Any]]
) -> None:
    """Many rows in one INSERT … ON CONFLICT DO NOTHING (rows already there stay as they are)."""
    from sqlalchemy.dialects import postgresql, sqlite

    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    await session.execute(insert(table).on_conflict_do_nothing(), rows)


class Database:
    """One service's database: engine, sessions, migrations and the projection checksum."""

    def __init__(self, url: str, service: str, migrations: Path) -> None:
        self.url = url
        self.service = service
        self.migrations = migrations
        kwargs: dict[str, Any] = {"pool_pre_ping": True}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"timeout": 30}
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if url.startswith("sqlite"):
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction, committed on success, rolled back on error."""
        async with self.sessions() as session, session.begin():
            yield session

    async def upgrade(self) -> None:
        """Apply this service's migrations up to head."""
        async with self.engine.begin() as conn:
            await conn.run_sync(self._alembic, "upgrade", "head")

    async def drop(self) -> None:
        """Downgrade to base: drop every projection table (used by rebuild)."""
        async with self.engine.begin() as conn:
            await conn.run_sync(self._alembic, "downgrade", "base")

    def _alembic(self, sync_conn: sa.Connection, verb: str, target: str) -> None:
        cfg = Config()
        cfg.set_main_option("script_location", str(self.migrations))
        cfg.attributes["connection"] = sync_conn
        cfg.attributes["version_table"] = f"alembic_version_{self.service}"
        getattr(command, verb)(cfg, target)

    async def ping(self) -> None:
        """Raise if the database cannot be reached."""
        async with self.engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))

    async def state_hash(self, tables: list[str]) -> str:
        """sha256 over every row of the named tables in primary-key order; stable per backend."""
        digest = hashlib.sha256()
        async with self.engine.connect() as conn:
            for name in sorted(tables):
                digest.update(f"table {name}\n".encode())
                for row in await _ordered_rows(conn, name):
                    digest.update(json.dumps(row, default=str, sort_keys=True).encode() + b"\n")
        return digest.hexdigest()

    async def dispose(self) -> None:
        """Close pooled connections."""
        await self.engine.dispose()


async def _ordered_rows(conn: AsyncConnection, name: str) -> list[dict[str, Any]]:
    table = await conn.run_sync(lambda c: sa.Table(name, sa.MetaData(), autoload_with=c))
    order = list(table.primary_key.columns) or list(table.columns)
    result = await conn.execute(sa.select(table).order_by(*order))
    return [dict(row._mapping) for row in result]


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # WAL lets the HTTP readers and the consumer writer work at once on the embedded default.
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def run_migrations_env() -> None:
    """Body of every service's alembic env.py: run on the connection the caller passed in."""
    from alembic import context

    config = context.config
    context.configure(
        connection=config.attributes["connection"],
        target_metadata=None,
        version_table=config.attributes["version_table"],
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()
