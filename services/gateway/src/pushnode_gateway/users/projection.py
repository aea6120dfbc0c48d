"""gateway-users: `users` (UserRegistered, UserKeysRotated, UserProfileUpdated) folded into the
profile table as the wallets signed them; every write is replay-safe (last write wins);
produces nothing. A profile write waiting on its own projection (settling.py) is woken."""

from __future__ import annotations

from functools import partial

from pushnode_gateway.chat.adapters import chat_db
from pushnode_gateway.settling import Waiters
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
    await chat_db.update_profile(ctx.session, updated.did, updated.profile)
    _woken(ctx, waiters, updated.did)


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
