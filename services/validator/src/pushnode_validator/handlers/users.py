"""Consumer `validator-users`: consumes UserRegistered and UserKeysRotated from `users` into
the PGP key history (adapters/userkeys.py: pgpv4 proofs and chat signatures), and
UserProfileUpdated into the block lists chat is judged with (adapters/chat_state.py);
produces nothing.

No rollback, whatever reaches the log: a registration after the wallet's first key changes
nothing (keys change by rotation), and a key the wallet ever had never becomes current again."""

from __future__ import annotations

from datetime import datetime

from pushnode_shared.infra.consumer import Handler, HandlerContext
from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.protocol.events import (
    UserKeysRotated,
    UserProfileUpdated,
    UserRegistered,
    payload_of,
)
from pushnode_validator.adapters import chat_state, pgp, userkeys
from pushnode_validator.domain.keys import RegisteredKey, wallet_of
from pushnode_validator.domain.ratelimit import micros


class UserKeyHandlers:
    """Registrations and rotations into the key history."""

    def mapping(self) -> dict[str, Handler]:
        """Event type -> handler."""
        return {
            "UserRegistered": self.on_user_registered,
            "UserKeysRotated": self.on_user_keys_rotated,
            "UserProfileUpdated": self.on_user_profile_updated,
        }

    async def on_user_registered(self, ctx: HandlerContext, envelope: Envelope) -> None:
        event = payload_of(envelope, UserRegistered)
        await _record(
            ctx, envelope.event_id, event.did, event.public_key, event.registered_at, first=True
        )

    async def on_user_keys_rotated(self, ctx: HandlerContext, envelope: Envelope) -> None:
        event = payload_of(envelope, UserKeysRotated)
        await _record(ctx, envelope.event_id, event.did, event.public_key, event.rotated_at)

    async def on_user_profile_updated(self, ctx: HandlerContext, envelope: Envelope) -> None:
        event = payload_of(envelope, UserProfileUpdated)
        listed = event.profile.get("blockedUsersList") or []
        blocked = [str(b) for b in listed] if isinstance(listed, list) else []
        await chat_state.record_blocks(
            ctx.session, envelope.event_id, event.did, event.updated_at, blocked
        )


async def _record(
    ctx: HandlerContext,
    event_id: str,
    did: str,
    public_key: str,
    at: datetime,
    *,
    first: bool = False,
) -> None:
    wallet = wallet_of(did)
    if wallet is None or not public_key:
        return  # an NFT DID, or a key-less stub: nothing a channel could sign with
    if await userkeys.known(ctx.session, event_id):
        return  # a re-emitted event (same id) was folded already
    try:
        facts = pgp.key_facts(public_key)
        expires = None if facts.expires_at is None else micros(facts.expires_at)
        key = RegisteredKey(public_key, facts.fingerprint, expires)
    except pgp.BadKey:
        key = RegisteredKey(public_key, "", None)
    if first and await userkeys.has_any(ctx.session, wallet):
        return  # a replayed registration: it cannot put back the key a rotation replaced
    if await userkeys.had_key(ctx.session, wallet, key):
        return  # a superseded (or the current) key again: never current a second time
    await userkeys.record(ctx.session, event_id, wallet, at, key)
