"""What a wallet's profile row has been: every key and profile proof it ever carried, so a
replayed or superseded one is refused at admission and ignored by the fold (rollback)."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from pushnode_gateway.chat.adapters.chat_db import metadata
from pushnode_gateway.users.adapters import pgp
from pushnode_shared.protocol.chat import sdk_hash

history = sa.Table(
    "gateway_user_history",
    metadata,
    sa.Column("did", sa.String(100), primary_key=True),
    sa.Column("digest", sa.String(80), primary_key=True),
)
STATE_TABLES = [history.name]
PROFILE_FIELDS = ("name", "desc", "picture", "blockedUsersList")


def key_digest(public_key: str) -> str:
    """A registered public key, as the history knows it."""
    return "key:" + hashlib.sha256(public_key.encode()).hexdigest()


def profile_digest(profile: dict[str, object]) -> str:
    """A profile proof: what it signed and when (the armour and unsigned parts left out)."""
    signed = {k: profile.get(k) for k in PROFILE_FIELDS}
    when = profile_signed_at(profile)
    return "profile:" + hashlib.sha256(f"{sdk_hash(signed)}:{when}".encode()).hexdigest()


def profile_signed_at(profile: dict[str, object] | None) -> int | None:
    """The signed creation time of a profile's proof (None: no signed profile yet)."""
    proof = str((profile or {}).get("profileVerificationProof") or "")
    signature = proof.partition(":")[2]
    return pgp.signed_at(signature) if signature else None


async def seen(conn: AsyncConnection | AsyncSession, did: str, digest: str) -> bool:
    """Whether this DID's row ever carried that key or profile proof."""
    query = sa.select(history.c.digest).where((history.c.did == did) & (history.c.digest == digest))
    return (await conn.execute(query)).first() is not None


async def remember(session: AsyncSession, did: str, digest: str) -> None:
    """Add a key or profile proof to the DID's history (once)."""
    if not await seen(session, did, digest):
        await session.execute(sa.insert(history).values(did=did, digest=digest))
