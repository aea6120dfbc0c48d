"""The profile history users are judged with: every accepted profile proof, in log order.

A profile update is refused when its proof was applied before (same signed fields and signed
time) or was signed no later than the profile in force (the last one accepted), so a profile
served by GET cannot be replayed to roll a user back.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from pushnode_validator.adapters import userkeys

profiles = userkeys.stamped_table(
    "validator_user_profiles",
    sa.Column("did", sa.String(100), nullable=False, index=True),
    sa.Column("digest", sa.String(80), nullable=False),
    # The signed creation time of the proof, Unix seconds (None: it carries none).
    sa.Column("signed_at", sa.BigInteger, nullable=True),
)
STATE_TABLES = [profiles.name]


async def known(session: AsyncSession, event_id: str) -> bool:
    """Whether this profile event was folded already (a re-emission, or our own decision)."""
    query = sa.select(profiles.c.seq).where(profiles.c.event_id == event_id)
    return (await session.execute(query)).first() is not None


async def seen(session: AsyncSession, did: str, digest: str) -> bool:
    """Whether this DID's profile ever carried that proof."""
    query = sa.select(profiles.c.seq).where((profiles.c.did == did) & (profiles.c.digest == digest))
    return (await session.execute(query.limit(1))).first() is not None


async def current_signed_at(session: AsyncSession, did: str) -> int | None:
    """The signed time of the profile in force (the last accepted), None if none."""
    query = (
        sa.select(profiles.c.signed_at)
        .where(profiles.c.did == did)
        .order_by(profiles.c.seq.desc())
        .limit(1)
    )
    row = (await session.execute(query)).first()
    return None if row is None else row[0]


async def record(
    session: AsyncSession, event_id: str, did: str, at: datetime, digest: str, signed: int | None
) -> None:
    """Append an accepted profile proof to the DID's history."""
    stamp = userkeys.Stamp(event_id, "did", did, at)
    await userkeys.append_stamped(session, profiles, stamp, {"digest": digest, "signed_at": signed})
