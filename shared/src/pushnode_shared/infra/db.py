"""SQLAlchemy async engine, Alembic migrations per service, and the consumer-offset table."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from pushnode_shared.infra.schema_head import at_head

if TYPE_CHECKING:
    from alembic.config import Config


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
        """Apply this service's migrations up to head, one pod at a time.

        The pod holding the advisory lock migrates; the others wait for it, then find the
        schema at head. A schema newer than this release knows is refused (SchemaTooNew).
        A database already at head is left alone without importing Alembic (schema_head).
        """
        if await at_head(self.engine, self.migrations, self.version_table):
            return
        async with self.engine.begin() as conn:
            await _migration_lock(conn, self.service)
            await conn.run_sync(self._alembic, "upgrade", "head")

    async def drop(self) -> None:
        """Downgrade to base: drop every projection table (used by rebuild)."""
        async with self.engine.begin() as conn:
            await _migration_lock(conn, self.service)
            await conn.run_sync(self._alembic, "downgrade", "base")

    @property
    def version_table(self) -> str:
        """Alembic's version table of this service (services may share one database)."""
        return f"alembic_version_{self.service}"

    def _alembic(self, sync_conn: sa.Connection, verb: str, target: str) -> None:
        from alembic import command  # imported only when there is migrating to do
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(self.migrations))
        cfg.attributes["connection"] = sync_conn
        cfg.attributes["version_table"] = self.version_table
        _refuse_unknown_revisions(cfg, sync_conn, self.service)
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


class SchemaTooNew(RuntimeError):
    """The database was migrated by a newer release than this one."""


async def _migration_lock(conn: AsyncConnection, service: str) -> None:
    # Held until this transaction ends: pods starting together migrate one after another.
    if conn.dialect.name != "postgresql":
        return  # SQLite is one process's embedded database; its writes are serialised anyway
    digest = hashlib.sha256(f"pushnode-migrations:{service}".encode()).digest()
    key = int.from_bytes(digest[:8], "big", signed=True)
    await conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _refuse_unknown_revisions(cfg: Config, sync_conn: sa.Connection, service: str) -> None:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    version_table = cfg.attributes["version_table"]
    current = MigrationContext.configure(
        sync_conn, opts={"version_table": version_table}
    ).get_current_heads()
    script = ScriptDirectory.from_config(cfg)
    known = {revision.revision for revision in script.walk_revisions()}
    if unknown := [rev for rev in current if rev not in known]:
        raise SchemaTooNew(
            f"{service}: the database schema is at revision {', '.join(unknown)}, which this "
            f"release does not know (its newest is {script.get_current_head()}): a newer "
            "release migrated it. Run that release or a newer one; a release never runs on a "
            "schema it does not know (README: Migrations)."
        )


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
