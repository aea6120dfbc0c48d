"""Unpins anonymous uploads that no channel referenced within a grace period (a day).

`POST /apis/v1/ipfs/upload` is open to anyone (the SDK uploads channel metadata before the
channel exists on chain), so without this anyone could fill the node's kubo for free. This is
housekeeping of the node's own kubo, not a protocol rule: the wall clock is fine here, and the
content stays on the log (ContentUploaded), so nothing accepted is lost. kubo keeps an unpinned
block until its next garbage collection.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta
from typing import Any, Protocol

from pushnode_shared.infra.db import Database
from pushnode_shared.infra.logging import get_logger
from pushnode_storage.adapters import uploads_db

log = get_logger(__name__)
BATCH = 500


class Unpinner(Protocol):
    async def unpin(self, cid: str) -> bool: ...


async def sweep_once(db: Database, blocks: Unpinner, now: datetime, grace: timedelta) -> int:
    """Unpin every upload older than `grace` at `now` that no channel references; how many."""
    count = 0
    while True:
        async with db.transaction() as session:
            due = await uploads_db.unreferenced_before(session, now - grace, BATCH)
            for cid in due:
                await blocks.unpin(cid)  # False: already unpinned (by hand, or a crash before)
                await uploads_db.mark_unpinned(session, cid)
        count += len(due)
        if len(due) < BATCH:
            return count


def sweeper(
    db: Database,
    blocks: Unpinner,
    grace: timedelta,
    every: float,
    clock: Callable[[], datetime],
) -> Callable[[asyncio.Event], Coroutine[Any, Any, None]]:
    """A node task: sweep now and then every `every` seconds until stopped."""

    async def run(stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                unpinned = await sweep_once(db, blocks, clock(), grace)
                if unpinned:
                    log.info("unreferenced uploads unpinned", count=unpinned)
            except Exception:  # kubo or the database away: the next round tries again
                log.warning("upload sweep failed", exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every)

    return run
