"""The pgpv4 key registry's table: every registration and rotation, and the key in force.

A channel's registered PGP key is the public key of the channel owner's Push user: the wallet
that registered (POST /apis/v2/users, `UserRegistered`) or rotated (PUT /v2/users/{did}/auth,
`UserKeysRotated`) a PGP profile under the channel's address. Every registration and rotation
is kept, stamped with the gateway's time on the log (`registered_at`/`rotated_at`) and a
per-wallet sequence number in log order (a DID's events share one partition).

A notification is judged with the key *in force at its `submitted_at`*: the latest entry
stamped at or before it, ties to the later in log order. That makes the verdict independent
of how far this fold has read beyond it; the consumer first waits until the fold has read the
`users` topic to the end offsets seen when the batch arrived (`watermark.py`), so no entry
stamped before the notification is still unread. The decision records the fingerprint used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from pushnode_validator.adapters import db
from pushnode_validator.domain.keys import RegisteredKey
from pushnode_validator.domain.ratelimit import micros


def stamped_table(name: str, owner: sa.Column[str], *columns: sa.Column[Any]) -> sa.Table:
    """A stamped history: a row per event (its id), numbered per `owner` in log order."""
    return sa.Table(
        name,
        db.metadata,
        sa.Column("event_id", sa.String(64), primary_key=True),
        owner,
        sa.Column("since_us", sa.BigInteger, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        *columns,
    )


user_keys = stamped_table(
    "validator_user_keys",
    sa.Column("wallet", sa.String(42), nullable=False, index=True),
    sa.Column("public_key", sa.Text, nullable=False),
    # "" when the text is not a usable public key (the gateway checks, but the log is input).
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("expires_us", sa.BigInteger, nullable=True),
)


async def known(session: AsyncSession, event_id: str) -> bool:
    """Whether this registration/rotation event was folded already (a re-emission)."""
    query = sa.select(user_keys.c.seq).where(user_keys.c.event_id == event_id)
    return (await session.execute(query)).first() is not None


async def had_key(session: AsyncSession, wallet: str, key: RegisteredKey) -> bool:
    """Whether the wallet ever had this key (by fingerprint; by text when it has none)."""
    same = (
        user_keys.c.fingerprint == key.fingerprint
        if key.fingerprint
        else user_keys.c.public_key == key.public_key
    )
    query = sa.select(user_keys.c.seq).where((user_keys.c.wallet == wallet) & same).limit(1)
    return (await session.execute(query)).first() is not None


async def has_any(session: AsyncSession, wallet: str) -> bool:
    """Whether the wallet registered a key already."""
    query = sa.select(user_keys.c.seq).where(user_keys.c.wallet == wallet).limit(1)
    return (await session.execute(query)).first() is not None


async def record(
    session: AsyncSession, event_id: str, wallet: str, at: datetime, key: RegisteredKey
) -> None:
    """Append the wallet's key as of `at`, numbered after its earlier ones."""
    values = {"public_key": key.public_key, "fingerprint": key.fingerprint}
    stamp = Stamp(event_id, "wallet", wallet, at)
    await append_stamped(session, user_keys, stamp, values | {"expires_us": key.expires_us})


@dataclass(frozen=True)
class Stamp:
    """Which event appends a row for whom (`owner_column` = `owner`), and as of when."""

    event_id: str
    owner_column: str
    owner: str
    at: datetime


async def append_stamped(
    session: AsyncSession, table: sa.Table, stamp: Stamp, values: dict[str, Any]
) -> None:
    """Insert the owner's next row in a stamped history, numbered after its earlier ones."""
    owner = table.c[stamp.owner_column]
    seq = await session.scalar(
        sa.select(sa.func.count()).select_from(table).where(owner == stamp.owner)
    )
    await session.execute(
        sa.insert(table).values(
            event_id=stamp.event_id,
            since_us=micros(stamp.at),
            seq=int(seq or 0),
            **{stamp.owner_column: stamp.owner},
            **values,
        )
    )


async def key_at(session: AsyncSession, wallet: str, at: datetime) -> RegisteredKey | None:
    """The wallet's key in force at `at`: the latest registration/rotation stamped <= at."""
    row = (
        await session.execute(
            sa.select(user_keys.c.public_key, user_keys.c.fingerprint, user_keys.c.expires_us)
            .where((user_keys.c.wallet == wallet) & (user_keys.c.since_us <= micros(at)))
            .order_by(user_keys.c.since_us.desc(), user_keys.c.seq.desc())
            .limit(1)
        )
    ).first()
    if row is None:
        return None
    return RegisteredKey(row.public_key, row.fingerprint, row.expires_us)
