"""Consumer `validator-users`: judges Push-user inputs on `users` and folds the key history.

Consumes UserRegistrationSubmitted, UserKeysRotationSubmitted and UserProfileSubmitted (what
the gateway admitted) and records the decision on `users`: UserRegistered, UserKeysRotated or
UserProfileUpdated (naming the input), or UserInputRefused with a reason code. An accepted
input goes into the key history (adapters/userkeys.py: pgpv4 proofs and chat signatures), the
profile history (adapters/profiles.py) and the block lists (adapters/chat_state.py) in the
same transaction, under the decision's id, so the decision read back changes nothing.
UserRegistered, UserKeysRotated and UserProfileUpdated written before the validator judged
users (by the gateway) are folded as they are.

No rollback, whatever reaches the log: a registration after the wallet's first key changes
nothing (keys change by rotation), and a key the wallet ever had never becomes current again."""

from __future__ import annotations

from datetime import datetime

from pushnode_shared.infra.consumer import Handler, HandlerContext
from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.protocol.events import (
    Event,
    KeysSubmitted,
    UserInputRefused,
    UserKeysRotated,
    UserKeysRotationSubmitted,
    UserProfileSubmitted,
    UserProfileUpdated,
    UserRegistered,
    UserRegistrationSubmitted,
    payload_of,
)
from pushnode_shared.protocol.topics import USERS
from pushnode_validator.adapters import chat_state, pgp, profiles, userkeys
from pushnode_validator.domain import users
from pushnode_validator.domain.chat import Refusal
from pushnode_validator.domain.keys import RegisteredKey, wallet_of
from pushnode_validator.domain.ratelimit import micros
from pushnode_validator.handlers.emit import decided, decision_id

ACCEPTED = ("user", "accepted")


class UserKeyHandlers:
    """The users judge, and the fold of its (and earlier) decisions."""

    def mapping(self) -> dict[str, Handler]:
        """Event type -> handler."""
        return {
            "UserRegistrationSubmitted": self.on_user_registration_submitted,
            "UserKeysRotationSubmitted": self.on_user_keys_rotation_submitted,
            "UserProfileSubmitted": self.on_user_profile_submitted,
            "UserRegistered": self.on_user_registered,
            "UserKeysRotated": self.on_user_keys_rotated,
            "UserProfileUpdated": self.on_user_profile_updated,
        }

    async def on_user_registration_submitted(self, ctx: HandlerContext, envelope: Envelope) -> None:
        sub = payload_of(envelope, UserRegistrationSubmitted)
        stub = not sub.public_key and not sub.encrypted_private_key
        if not stub and not await _keys_accepted(ctx, envelope, sub, rotation=False):
            return
        proof = "" if stub else sub.verification_proof
        _accept(
            ctx,
            envelope,
            UserRegistered,
            sub,
            registered_at=sub.submitted_at,
            verification_proof=proof,
        )

    async def on_user_keys_rotation_submitted(
        self, ctx: HandlerContext, envelope: Envelope
    ) -> None:
        sub = payload_of(envelope, UserKeysRotationSubmitted)
        if not await _keys_accepted(ctx, envelope, sub, rotation=True):
            return
        _accept(ctx, envelope, UserKeysRotated, sub, rotated_at=sub.submitted_at)

    async def on_user_profile_submitted(self, ctx: HandlerContext, envelope: Envelope) -> None:
        sub = payload_of(envelope, UserProfileSubmitted)
        signature = users.profile_signature(sub.profile)
        signed = None if isinstance(signature, Refusal) else pgp.signed_at(signature)
        recorded = users.profile_in_force(sub.profile)
        digest = users.profile_digest(recorded, signed)
        wallet = wallet_of(sub.did)
        view = users.ProfileView(
            key=None
            if wallet is None
            else await userkeys.key_at(ctx.session, wallet, sub.submitted_at),
            current_signed_at=await profiles.current_signed_at(ctx.session, sub.did),
            seen=await profiles.seen(ctx.session, sub.did, digest),
            at_us=micros(sub.submitted_at),
        )
        refusal = users.judge_profile(sub.did, sub.profile, signed, view, pgp.verify)
        if refusal is not None:
            _refuse(ctx, envelope, "profile", sub.did, refusal)
            return
        decision = UserProfileUpdated(
            did=sub.did, profile=recorded, updated_at=sub.submitted_at, input_id=envelope.event_id
        )
        await _record_profile(ctx, decision_id(envelope, *ACCEPTED), decision)
        ctx.publish(USERS, decided(envelope, decision, *ACCEPTED))

    async def on_user_registered(self, ctx: HandlerContext, envelope: Envelope) -> None:
        event = payload_of(envelope, UserRegistered)
        await _record(
            ctx, envelope.event_id, event.did, event.public_key, event.registered_at, first=True
        )

    async def on_user_keys_rotated(self, ctx: HandlerContext, envelope: Envelope) -> None:
        event = payload_of(envelope, UserKeysRotated)
        await _record(ctx, envelope.event_id, event.did, event.public_key, event.rotated_at)

    async def on_user_profile_updated(self, ctx: HandlerContext, envelope: Envelope) -> None:
        await _record_profile(ctx, envelope.event_id, payload_of(envelope, UserProfileUpdated))


async def _keys_accepted(
    ctx: HandlerContext, envelope: Envelope, sub: KeysSubmitted, *, rotation: bool
) -> bool:
    """Judge new keys; accepted ones go into the key history under the decision's id."""
    wallet = wallet_of(sub.did)
    had_keys = wallet is not None and await userkeys.has_any(ctx.session, wallet)
    had_this = had_keys and await userkeys.had_key(ctx.session, str(wallet), _key(sub.public_key))
    view = users.KeysView(had_keys, had_this, micros(sub.submitted_at))
    keys = users.Keys(sub.public_key, sub.encrypted_private_key, sub.verification_proof, sub.signed)
    refusal = users.judge_keys(sub.did, keys, rotation, view, pgp.key_problem)
    if refusal is not None:
        _refuse(ctx, envelope, "rotate" if rotation else "register", sub.did, refusal)
        return False
    accepted_id = decision_id(envelope, *ACCEPTED)
    await _record(ctx, accepted_id, sub.did, sub.public_key, sub.submitted_at, first=not rotation)
    return True


def _key(public_key: str) -> RegisteredKey:
    try:
        facts = pgp.key_facts(public_key)
    except pgp.BadKey:
        return RegisteredKey(public_key, "", None)
    expires = None if facts.expires_at is None else micros(facts.expires_at)
    return RegisteredKey(public_key, facts.fingerprint, expires)


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
    key = _key(public_key)
    if first and await userkeys.has_any(ctx.session, wallet):
        return  # a replayed registration: it cannot put back the key a rotation replaced
    if await userkeys.had_key(ctx.session, wallet, key):
        return  # a superseded (or the current) key again: never current a second time
    await userkeys.record(ctx.session, event_id, wallet, at, key)


async def _record_profile(ctx: HandlerContext, event_id: str, event: UserProfileUpdated) -> None:
    """The profile's proof into the history, its block list into the lists in force."""
    if await profiles.known(ctx.session, event_id):
        return  # our own decision read back, or a re-emitted event
    signature = users.profile_signature(event.profile)
    signed = None if isinstance(signature, Refusal) else pgp.signed_at(signature)
    digest = users.profile_digest(event.profile, signed)
    await profiles.record(ctx.session, event_id, event.did, event.updated_at, digest, signed)
    listed = event.profile.get("blockedUsersList") or []
    blocked = [str(b) for b in listed] if isinstance(listed, list) else []
    await chat_state.record_blocks(ctx.session, event_id, event.did, event.updated_at, blocked)


def _accept(
    ctx: HandlerContext,
    cause: Envelope,
    decision: type[UserRegistered | UserKeysRotated],
    sub: KeysSubmitted,
    **fields: object,
) -> None:
    """Record the accepted keys as `decision`: what the wallet submitted, naming its input."""
    submitted = sub.model_dump(exclude={"signed", "submitted_at"})
    event = decision.model_validate(submitted | {"input_id": cause.event_id} | fields)
    ctx.publish(USERS, decided(cause, event, *ACCEPTED))


def _refuse(ctx: HandlerContext, cause: Envelope, kind: str, did: str, refusal: Refusal) -> None:
    event: Event = UserInputRefused.model_validate(
        {
            "input_id": cause.event_id,
            "kind": kind,
            "did": did,
            "reason": refusal.reason,
            "detail": refusal.detail,
        }
    )
    ctx.publish(USERS, decided(cause, event, "user", "refused"))
