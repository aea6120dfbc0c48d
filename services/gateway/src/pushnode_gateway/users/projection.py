"""gateway-users: `users` (UserRegistered, UserKeysRotated, UserProfileUpdated) folded into the
profile table as the wallets signed them; produces nothing. A profile write waiting on its own
projection (settling.py) is woken.

Never backwards, whatever reaches the log (a replay that slipped past admission, a peer's
record): a registration does not replace registered keys, a key the DID ever had does not come
back, and a profile proof seen before, or signed no later than the current one, is ignored."""

from __future__ import annotations

from functools import partial
from typing import Any

from pushnode_gateway.chat.adapters import chat_db
from pushnode_gateway.settling import Waiters
from pushnode_gateway.users.adapters import history
from pushnode_shared.infra.consumer import Handler, HandlerContext
from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.protocol.events import (
    UserKeysRotated,
    UserProfileUpdated,
    UserRegistered,
    payload_of,
)


async def on_user_registered(
    ctx: HandlerContext, envelope: Envelope, waiters: Waiters | None = None
) -> None:
    registered = payload_of(envelope, UserRegistered)
    existing = await chat_db.user(ctx.session, registered.did)
    if existing is not None and existing["public_key"]:
        return  # keys change only by rotation: a replayed registration cannot roll them back
    if registered.public_key:
        digest = history.key_digest(registered.public_key)
        if await history.seen(ctx.session, registered.did, digest):
            return
        await history.remember(ctx.session, registered.did, digest)
    await chat_db.put_user(
        ctx.session,
        {
            "did": registered.did,
            "caip10": registered.caip10,
            "public_key": registered.public_key,
            "encrypted_private_key": registered.encrypted_private_key,
            "verification_proof": registered.verification_proof,
            "origin": registered.origin,
        },
    )
    _woken(ctx, waiters, registered.did)


async def on_user_keys_rotated(
    ctx: HandlerContext, envelope: Envelope, waiters: Waiters | None = None
) -> None:
    rotated = payload_of(envelope, UserKeysRotated)
    digest = history.key_digest(rotated.public_key)
    if await history.seen(ctx.session, rotated.did, digest):
        return  # a key this DID already had (current or superseded) never becomes current again
    await history.remember(ctx.session, rotated.did, digest)
    await chat_db.put_user(
        ctx.session,
        {
            "did": rotated.did,
            "caip10": rotated.did,
            "public_key": rotated.public_key,
            "encrypted_private_key": rotated.encrypted_private_key,
            "verification_proof": rotated.verification_proof,
        },
    )
    _woken(ctx, waiters, rotated.did)


async def on_user_profile_updated(
    ctx: HandlerContext, envelope: Envelope, waiters: Waiters | None = None
) -> None:
    updated = payload_of(envelope, UserProfileUpdated)
    existing = await chat_db.user(ctx.session, updated.did)
    if existing is None or not await _newer_profile(ctx, updated.did, existing, updated.profile):
        return
    await chat_db.update_profile(ctx.session, updated.did, updated.profile)
    _woken(ctx, waiters, updated.did)


async def _newer_profile(
    ctx: HandlerContext, did: str, existing: dict[str, Any], profile: dict[str, Any]
) -> bool:
    """A profile proof not seen before and signed after the current one (then remembered)."""
    digest = history.profile_digest(profile)
    current = history.profile_signed_at(existing["profile"])
    signed = history.profile_signed_at(profile)
    if await history.seen(ctx.session, did, digest):
        return False
    if current is not None and (signed is None or signed <= current):
        return False
    await history.remember(ctx.session, did, digest)
    return True


def handlers(waiters: Waiters | None) -> dict[str, Handler]:
    """Event type -> handler, waking `waiters` after commit (bootstrap passes the app's)."""
    return {
        "UserRegistered": partial(on_user_registered, waiters=waiters),
        "UserKeysRotated": partial(on_user_keys_rotated, waiters=waiters),
        "UserProfileUpdated": partial(on_user_profile_updated, waiters=waiters),
    }


HANDLERS: dict[str, Handler] = handlers(None)


def _woken(ctx: HandlerContext, waiters: Waiters | None, did: str) -> None:
    if waiters is not None:
        ctx.later(partial(waiters.wake, f"user:{did}"))
