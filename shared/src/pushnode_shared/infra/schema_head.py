"""Is a service's database already at its migrations' head? Answered without Alembic.

Importing Alembic (and the Mako and Pygments it pulls in) and walking its script directory
costs seconds of a service's start on a busy machine, for nothing when the schema is at head,
which is every start but the first of a release. The head revisions are read from the
scripts' literal `revision` and `down_revision` assignments; whenever that is not possible,
or the database is anywhere else, Alembic's own upgrade runs as before.
"""

from __future__ import annotations

import ast
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncEngine

_NAMES = ("revision", "down_revision")


def script_heads(migrations: Path) -> frozenset[str] | None:
    """The revisions no other script revises; None when a script's are not plain literals."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in sorted((migrations / "versions").glob("*.py")):
        found = _literals(path)
        revision = found.get("revision")
        if not isinstance(revision, str):
            return None
        revisions.add(revision)
        down = found.get("down_revision")
        if isinstance(down, str):
            revised.add(down)
        elif isinstance(down, tuple | list):
            revised.update(str(d) for d in down)
        elif down is not None:
            return None
    heads = frozenset(revisions - revised)
    return heads or None


def _literals(path: Path) -> dict[str, object]:
    found: dict[str, object] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        target, value = _assignment(node)
        if target in _NAMES and value is not None:
            try:
                found[target] = ast.literal_eval(value)
            except ValueError:
                return {}  # computed: leave it to Alembic
    return found


def _assignment(node: ast.stmt) -> tuple[str | None, ast.expr | None]:
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target = node.targets[0]
        return (target.id if isinstance(target, ast.Name) else None), node.value
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.target.id, node.value
    return None, None


async def current_revisions(engine: AsyncEngine, version_table: str) -> frozenset[str]:
    """The revisions the database's version table records; empty when it has none yet."""
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(sa.text(f'SELECT version_num FROM "{version_table}"'))
            return frozenset(str(row[0]) for row in rows)
    except (ProgrammingError, OperationalError):
        return frozenset()  # no version table: a first start


async def at_head(engine: AsyncEngine, migrations: Path, version_table: str) -> bool:
    """True when the database records exactly the migrations' heads (nothing to migrate)."""
    heads = script_heads(migrations)
    return heads is not None and await current_revisions(engine, version_table) == heads
