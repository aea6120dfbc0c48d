"""Anonymous uploads no channel references within a day are unpinned; referenced ones stay."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pushnode_shared.infra.consumer import HandlerContext
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.ipfs import MemoryBlockStore, cid_of
from pushnode_shared.protocol.events import ContentUploaded, wrap
from pushnode_shared.protocol.events.channel_meta import ChannelMetadataResolved
from pushnode_storage.bootstrap import MIGRATIONS
from pushnode_storage.sweep import sweep_once
from pushnode_storage.uploads import UploadHandlers
from tests.support.databases import migrated_sqlite

DAY = timedelta(days=1)
T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with migrated_sqlite(tmp_path / "s.sqlite", "storage", MIGRATIONS) as database:
        yield database


async def uploaded(db: Database, blocks: MemoryBlockStore, data: str, at: datetime) -> str:
    event = ContentUploaded(cid=cid_of(data.encode()), data=data, uploaded_at=at)
    await _handle(db, blocks, "ContentUploaded", wrap(event, producer="gateway"))
    return event.cid


async def referenced(db: Database, blocks: MemoryBlockStore, cid: str) -> None:
    event = ChannelMetadataResolved(channel="0xc", cid=cid, found=True, name="n")
    await _handle(db, blocks, "ChannelMetadataResolved", wrap(event, producer="validator"))


async def _handle(db: Database, blocks: MemoryBlockStore, kind: str, envelope: object) -> None:
    async with db.transaction() as session:
        ctx = HandlerContext(session=session, replay=False)
        await UploadHandlers(blocks).mapping()[kind](ctx, envelope)  # type: ignore[arg-type]


async def test_an_upload_no_channel_referenced_within_a_day_is_unpinned(db: Database) -> None:
    blocks = MemoryBlockStore()
    cid = await uploaded(db, blocks, '{"name":"spam"}', T0)
    assert await sweep_once(db, blocks, T0 + DAY - timedelta(seconds=1), DAY) == 0
    assert cid in blocks.pinned
    assert await sweep_once(db, blocks, T0 + DAY + timedelta(seconds=1), DAY) == 1
    assert cid not in blocks.pinned


async def test_an_upload_a_channel_references_stays_pinned_whichever_came_first(
    db: Database,
) -> None:
    blocks = MemoryBlockStore()
    before = cid_of(b'{"name":"early"}')
    await referenced(db, blocks, before)
    await uploaded(db, blocks, '{"name":"early"}', T0)
    after = await uploaded(db, blocks, '{"name":"late"}', T0)
    await referenced(db, blocks, after)
    assert await sweep_once(db, blocks, T0 + 7 * DAY, DAY) == 0
    assert {before, after} <= blocks.pinned


async def test_a_sweep_unpins_an_upload_once(db: Database) -> None:
    blocks = MemoryBlockStore()
    await uploaded(db, blocks, '{"name":"a"}', T0)
    await uploaded(db, blocks, '{"name":"b"}', T0 + timedelta(hours=1))
    assert await sweep_once(db, blocks, T0 + 2 * DAY, DAY) == 2
    assert await sweep_once(db, blocks, T0 + 3 * DAY, DAY) == 0


async def test_content_uploaded_again_is_pinned_again_with_a_new_grace_period(
    db: Database,
) -> None:
    blocks = MemoryBlockStore()
    cid = await uploaded(db, blocks, '{"name":"again"}', T0)
    await sweep_once(db, blocks, T0 + 2 * DAY, DAY)
    await uploaded(db, blocks, '{"name":"again"}', T0 + 2 * DAY)
    assert await sweep_once(db, blocks, T0 + 2 * DAY + timedelta(hours=1), DAY) == 0
    assert cid in blocks.pinned
    assert await sweep_once(db, blocks, T0 + 4 * DAY, DAY) == 1
