"""gateway-users: the validator's decisions on `users` (UserRegistered, UserKeysRotated,
UserProfileUpdated, UserInputRefused) folded into the profile table and the decisions a write
route waits for; produces nothing. A profile write waiting on its own input's decision
(settling.py) is woken after commit.

The validator judges every user input (signatures, no rollback); the fold applies what it
accepted. Registrations written before the validator judged users are folded the same way,
and a registration never replaces registered keys (keys change only by rotation)."""

from __future__ import annotations

from functools import partial

from pushnode_gateway.chat.adapters import chat_db, chat_writes
from pushnode_gateway.settling import Waiters
from pushnode_shared.infra.consumer import Handler, HandlerContext
from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.protocol.events import (
    UserInputRefused,
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
    if existing is None or not existing["public_key"]:
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
    await _decided(ctx, waiters, registered.did, registered.input_id)


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
    await _decided(ctx, waiters, rotated.did, rotated.input_id)


async def on_user_profile_updated(
    ctx: HandlerContext, envelope: Envelope, waiters: Waiters | None = None
) -> None:
    updated = payload_of(envelope, UserProfileUpdated)
    await chat_db.update_profile(ctx.session, updated.did, updated.profile)
    await _decided(ctx, waiters, updated.did, updated.input_id)


async def on_user_input_refused(
    ctx: HandlerContext, envelope: Envelope, waiters: Waiters | None = None
) -> None:
    refused = payload_of(envelope, UserInputRefused)
    await _decided(ctx, waiters, refused.did, refused.input_id, (refused.reason, refused.detail))


def handlers(waiters: Waiters | None) -> dict[str, Handler]:
    """Event type -> handler, waking `waiters` after commit (bootstrap passes the app's).

    The inputs (UserRegistrationSubmitted, …) are the validator's to judge: none is projected."""
    return {
        "UserRegistered": partial(on_user_registered, waiters=waiters),
        "UserKeysRotated": partial(on_user_keys_rotated, waiters=waiters),
        "UserProfileUpdated": partial(on_user_profile_updated, waiters=waiters),
        "UserInputRefused": partial(on_user_input_refused, waiters=waiters),
    }


HANDLERS: dict[str, Handler] = handlers(None)


async def _decided(
    ctx: HandlerContext,
    waiters: Waiters | None,
    did: str,
    input_id: str | None,
    refusal: tuple[str, str] = ("", ""),
) -> None:
    """Record the decision on `input_id` (if the decision names one) and wake its writer."""
    if input_id is not None:
        reason, detail = refusal
        await chat_writes.write(
            ctx.session, [chat_writes.DecisionOp(input_id, did, reason, detail)]
        )
    if waiters is not None:
        ctx.later(partial(waiters.wake, f"user:{did}"))
