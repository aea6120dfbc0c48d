"""Anonymous uploads and the channels that reference them: what the upload sweep may unpin.

`storage_uploads` and `storage_referenced` are folds of the log (state tables: a rebuild writes
the same rows). `storage_unpinned` is the sweep's own housekeeping, not protocol state: it only
spares kubo a second pin/rm, and a replayed upload (put and pinned again) leaves it.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from pushnode_shared.infra.db import insert_ignore
from pushnode_storage.adapters.db import metadata

uploads = sa.Table(
    "storage_uploads",
    metadata,
    sa.Column("cid", sa.String(100), primary_key=True),
    sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
)
referenced = sa.Table(
    "storage_referenced",
    metadata,
    sa.Column("cid", sa.String(100), primary_key=True),
)
unpinned = sa.Table(
    "storage_unpinned",
    metadata,
    sa.Column("cid", sa.String(100), primary_key=True),
)
STATE_TABLES = [uploads.name, referenced.name]


async def record_upload(session: AsyncSession, cid: str, uploaded_at: datetime) -> None:
    """The latest upload of a CID counts: content uploaded again gets a new grace period.

    Pinned again by the put, it is no longer unpinned either.
    """
    if not await insert_ignore(session, uploads, {"cid": cid, "uploaded_at": uploaded_at}):
        await session.execute(
            sa.update(uploads)
            .where(uploads.c.cid == cid, uploads.c.uploaded_at < uploaded_at)
            .values(uploaded_at=uploaded_at)
        )
    await session.execute(sa.delete(unpinned).where(unpinned.c.cid == cid))


async def mark_referenced(session: AsyncSession, cid: str) -> None:
    """A channel's identity names this CID: it stays pinned for good."""
    await insert_ignore(session, referenced, {"cid": cid})


async def unreferenced_before(session: AsyncSession, before: datetime, limit: int) -> list[str]:
    """Pinned uploads older than `before` that no channel references, oldest first."""
    query = (
        sa.select(uploads.c.cid)
        .where(uploads.c.uploaded_at < before)
        .where(~sa.exists().where(referenced.c.cid == uploads.c.cid))
        .where(~sa.exists().where(unpinned.c.cid == uploads.c.cid))
        .order_by(uploads.c.uploaded_at, uploads.c.cid)
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())


async def mark_unpinned(session: AsyncSession, cid: str) -> None:
    await insert_ignore(session, unpinned, {"cid": cid})
