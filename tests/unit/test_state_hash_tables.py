"""Every table a service's migrations create is in its state hash or on the list below.

`pushnode state-hash` and `pushnode rebuild` (tests/e2e/test_rebuild.py) prove a projection
equals its replay only for the tables in the hash: a table added to a migration and left out
of `state_tables` would escape that proof without anyone noticing. So a new table fails here
until it joins the hash or is written below with the reason it is not a fold of the log.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
import sqlalchemy as sa

from pushnode_shared.infra.db import Database
from pushnode_shared.infra.service import Node

SERVICES = ["listener", "validator", "storage", "gateway", "dispatcher"]
# Tables outside the state hash, each with why.
NOT_STATE = {
    # Alembic's bookkeeping: which migrations ran, not what the log says.
    **{f"alembic_version_{s}": "migration bookkeeping" for s in SERVICES},
    # Where each consumer stopped: a rebuild starts them again from 0, so they differ by design.
    **{f"{s}_consumer_offsets": "consumer progress, reset by a rebuild" for s in SERVICES},
    # The sender's record of pushes it made to providers: an effect in the outside world (a
    # rebuild must not push again, nor forget what it pushed), not a fold of the log.
    "dispatcher_sends": "pushes already made, kept across a rebuild",
    # The upload sweep's housekeeping of this node's kubo (it reads the wall clock): which
    # uploads it unpinned, so it does not ask kubo again; a replayed upload clears its row.
    "storage_unpinned": "what the upload sweep unpinned from this node's kubo",
}


async def wired(service: str) -> Node:
    spec = importlib.import_module(f"pushnode_{service}.bootstrap").SERVICE
    return await spec.bootstrap(spec.settings())  # type: ignore[no-any-return]


async def migrated_tables(service: str, tmp_path: Path) -> set[str]:
    migrations = importlib.import_module(f"pushnode_{service}.bootstrap").MIGRATIONS
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 's.sqlite'}", service, migrations)
    try:
        await database.upgrade()
        async with database.engine.connect() as conn:
            return set(await conn.run_sync(lambda c: sa.inspect(c).get_table_names()))
    finally:
        await database.dispose()


@pytest.mark.parametrize("service", SERVICES)
async def test_every_table_is_in_the_state_hash_or_excluded_with_a_reason(
    service: str, tmp_path: Path
) -> None:
    node = await wired(service)
    try:
        hashed = set(node.state_tables)
    finally:
        if node.producer is not None:
            await node.producer.stop()
        await node.resources.aclose()
        await node.db.dispose()
    tables = await migrated_tables(service, tmp_path)
    assert tables - hashed - set(NOT_STATE) == set(), "add them to state_tables or NOT_STATE"
    assert hashed <= tables, "state_tables names a table no migration creates"
    assert not hashed & set(NOT_STATE), "a table cannot be both hashed and excluded"
