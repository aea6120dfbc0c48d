"""The channel PGP key registry pgpv4 proofs need: a fold of the `users` topic.

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

import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from pushnode_shared.consumer import Handler, HandlerContext
from pushnode_shared.envelope import Envelope
from pushnode_shared.events import UserKeysRotated, UserRegistered, payload_of
from pushnode_validator.adapters import db, pgp
from pushnode_validator.ratelimit import micros

_WALLET = re.compile(r"0x[0-9a-f]{40}")

user_keys = sa.Table(
    "validator_user_keys",
    db.metadata,
    sa.Column("event_id", sa.String(64), primary_key=True),
    sa.Column("wallet", sa.String(42), nullable=False, index=True),
    sa.Column("since_us", sa.BigInteger, nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("public_key", sa.Text, nullable=False),
    # "" when the text is not a usable public key (the gateway checks, but the log is input).
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("expires_us", sa.BigInteger, nullable=True),
)


@dataclass(frozen=True)
class RegisteredKey:
    """The PGP key a wallet had registered at some moment of the log."""

    public_key: str
    fingerprint: str
    expires_us: int | None = None


def wallet_of(did: str) -> str | None:
    """The lower-case address of a wallet DID (`eip155:0x…`, `eip155:<chain>:0x…`)."""
    address = did.rsplit(":", 1)[-1].lower()
    return address if _WALLET.fullmatch(address) else None


class UserKeyHandlers:
    """Consumer `validator-users`: registrations and rotations into the key history."""

    def mapping(self) -> dict[str, Handler]:
        """Event type -> handler (profiles and chats carry no keys)."""
        return {
            "UserRegistered": self.on_user_registered,
            "UserKeysRotated": self.on_user_keys_rotated,
        }

    async def on_user_registered(self, ctx: HandlerContext, envelope: Envelope) -> None:
        event = payload_of(envelope, UserRegistered)
        await _record(
            ctx.session, envelope.event_id, event.did, event.public_key, event.registered_at
        )

    async def on_user_keys_rotated(self, ctx: HandlerContext, envelope: Envelope) -> None:
        event = payload_of(envelope, UserKeysRotated)
        await _record(ctx.session, envelope.event_id, event.did, event.public_key, event.rotated_at)


async def _record(
    session: AsyncSession, event_id: str, did: str, public_key: str, at: datetime
) -> None:
    wallet = wallet_of(did)
    if wallet is None or not public_key:
        return  # an NFT DID, or a key-less stub: nothing a channel could sign with
    if (
        await session.execute(sa.select(user_keys.c.seq).where(user_keys.c.event_id == event_id))
    ).first():
        return  # a re-emitted event (same id) was folded already
    try:
        facts = pgp.key_facts(public_key)
        fingerprint, expires = facts.fingerprint, facts.expires_at
    except pgp.BadKey:
        fingerprint, expires = "", None
    seq = await session.scalar(
        sa.select(sa.func.count()).select_from(user_keys).where(user_keys.c.wallet == wallet)
    )
    await session.execute(
        sa.insert(user_keys).values(
            event_id=event_id,
            wallet=wallet,
            since_us=micros(at),
            seq=int(seq or 0),
            public_key=public_key,
            fingerprint=fingerprint,
            expires_us=None if expires is None else micros(expires),
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
