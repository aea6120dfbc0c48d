"""A pgpv4 batch waits until the users fold has stored offsets up to the users topic's ends."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from pushnode_shared.infra.consumer import TransientError
from pushnode_shared.infra.db import Database
from pushnode_shared.protocol.topics import USERS
from pushnode_validator.adapters import db
from pushnode_validator.adapters.watermark import UsersWatermark
from pushnode_validator.bootstrap import USERS_CONSUMER


class FixedEnds(UsersWatermark):
    """The users topic holds 5 records in partition 0 and none in partition 1."""

    async def _ends(self) -> dict[int, int]:
        return {0: 5}


async def folded_up_to(database: Database, offset: int) -> None:
    async with database.transaction() as session:
        await session.execute(sa.delete(db.offsets))
        await session.execute(
            sa.insert(db.offsets).values(
                consumer=USERS_CONSUMER, topic=USERS.name, partition=0, offset=offset
            )
        )


async def test_the_wait_ends_once_the_last_record_is_folded(vdb: Database) -> None:
    await folded_up_to(vdb, 4)  # offsets 0..4 folded: the end offset 5 is the next to write
    await FixedEnds("unused", vdb, USERS_CONSUMER, db.offsets).wait()


async def test_a_fold_behind_the_ends_retries_the_batch(vdb: Database) -> None:
    await folded_up_to(vdb, 3)
    with pytest.raises(TransientError, match="not folded"):
        await FixedEnds("unused", vdb, USERS_CONSUMER, db.offsets, timeout=0.2).wait()


async def test_another_consumers_offsets_do_not_count(vdb: Database) -> None:
    async with vdb.transaction() as session:
        row = {"consumer": "validator", "topic": USERS.name, "partition": 0, "offset": 9}
        await session.execute(sa.insert(db.offsets).values(**row))
    with pytest.raises(TransientError):
        await FixedEnds("unused", vdb, USERS_CONSUMER, db.offsets, timeout=0.2).wait()


class GrowingEnds(UsersWatermark):
    """The users topic grows between two batches: one more record each time it is asked."""

    asked = 0

    async def _ends(self) -> dict[int, int]:
        self.asked += 1
        return {0: 4 + self.asked}


async def test_every_batch_reads_the_users_ends_anew_so_a_key_acknowledged_before_it_counts(
    vdb: Database,
) -> None:
    # Batch 1 is fetched after 5 users records were on the log; a key is then acknowledged
    # (record 5) before the next notification is sent: batch 2 must wait for it.
    watermark = GrowingEnds("unused", vdb, USERS_CONSUMER, db.offsets, timeout=0.2)
    await folded_up_to(vdb, 4)
    await watermark.wait()
    with pytest.raises(TransientError, match="not folded"):
        await watermark.wait()
    await folded_up_to(vdb, 5)
    watermark.asked = 1  # the retried batch sees the same end as its first try
    await watermark.wait()
