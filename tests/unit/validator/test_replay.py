"""Replays change nothing: a notification is known by what its signature covers, not by its
unsigned `::uid::` tail; an opt-in/out signature is applied once; high-s twins are refused."""

from __future__ import annotations

from datetime import datetime, timedelta

from pushnode_shared.infra.consumer import HandlerContext
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.protocol.events import (
    NotificationSubmitted,
    payload_of,
    wrap,
)
from pushnode_shared.protocol.signatures import sign_data
from pushnode_validator.adapters.pgp import signed_text
from pushnode_validator.bootstrap import make_handlers
from pushnode_validator.domain.notice import submitted
from pushnode_validator.domain.ratelimit import RateLimit
from tests.conftest import ANVIL_KEYS
from tests.support.chat import new_pgp_key, pgp_sign
from tests.unit.validator.conftest import (
    SEPOLIA,
    T0,
    address,
    created,
    notification,
    run,
    signed_optin,
)

CHANNEL_KEY, ALICE_KEY, MALLORY_KEY = ANVIL_KEYS[1], ANVIL_KEYS[2], ANVIL_KEYS[3]
CHANNEL, ALICE = address(CHANNEL_KEY), address(ALICE_KEY)
_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def reposted(original: Envelope, proof: str, at: datetime | None = None) -> Envelope:
    """The same submission carried again under a new notification id (a fresh uid)."""
    sub = payload_of(original, NotificationSubmitted)
    changes = {"verification_proof": proof, "notification_id": f"{sub.notification_id}-again"}
    if at is not None:
        changes["submitted_at"] = at  # type: ignore[assignment]
    return wrap(sub.model_copy(update=changes), producer="gateway")


def with_uid(envelope: Envelope, uid: str) -> str:
    proof = payload_of(envelope, NotificationSubmitted).verification_proof
    return proof.split("::uid::")[0] + f"::uid::{uid}"


def high_s_twin(proof: str) -> str:
    kind, _, rest = proof.partition(":")
    signature, _, tail = rest.partition("::uid::")
    raw = bytes.fromhex(signature.removeprefix("0x"))
    s = _N - int.from_bytes(raw[32:64], "big")
    twin = raw[:32] + s.to_bytes(32, "big") + bytes((55 - raw[64],))
    return f"{kind}:0x{twin.hex()}::uid::{tail}"


def reasons(decisions: list[Envelope]) -> list[str]:
    return [str(d.payload.get("reason", d.type)) for d in decisions]


class TestNotifications:
    async def test_the_same_signed_content_with_a_fresh_uid_is_a_duplicate(
        self, vdb: Database
    ) -> None:
        handlers = make_handlers((SEPOLIA,))
        await run(handlers, vdb, created(CHANNEL))
        first = notification(CHANNEL_KEY, ALICE, uid="u1")
        assert reasons(await run(handlers, vdb, first)) == ["NotificationAccepted"]
        again = reposted(first, with_uid(first, "fresh"), at=T0 + timedelta(days=1))
        assert reasons(await run(handlers, vdb, again)) == ["DUPLICATE_NOTIFICATION"]

    async def test_the_high_s_twin_of_an_accepted_signature_is_a_bad_signature(
        self, vdb: Database
    ) -> None:
        handlers = make_handlers((SEPOLIA,))
        await run(handlers, vdb, created(CHANNEL))
        first = notification(CHANNEL_KEY, ALICE, uid="u1")
        await run(handlers, vdb, first)
        twin = reposted(first, high_s_twin(with_uid(first, "u1")))
        assert reasons(await run(handlers, vdb, twin)) == ["BAD_SIGNATURE"]

    async def test_two_copies_in_one_batch_are_accepted_once(self, vdb: Database) -> None:
        handlers = make_handlers((SEPOLIA,))
        await run(handlers, vdb, created(CHANNEL))
        first = notification(CHANNEL_KEY, ALICE, uid="u1")
        batch = [first, reposted(first, with_uid(first, "u2"))]
        await handlers.prepare(batch)
        async with vdb.transaction() as session:
            ctx = HandlerContext(session=session, replay=False)
            for envelope in batch:
                await handlers.mapping()[envelope.type](ctx, envelope)
            await ctx.flush()
        decided = reasons([e for _, e in ctx.outbox])
        assert decided == ["NotificationAccepted", "DUPLICATE_NOTIFICATION"]

    async def test_a_forgery_over_the_same_content_does_not_block_the_real_notification(
        self, vdb: Database
    ) -> None:
        handlers = make_handlers((SEPOLIA,))
        await run(handlers, vdb, created(CHANNEL))
        real = notification(CHANNEL_KEY, ALICE, uid="u1")
        identity = payload_of(real, NotificationSubmitted).identity
        forged_signature = sign_data(identity, SEPOLIA.chain_id, SEPOLIA.comm, MALLORY_KEY)
        forged = reposted(real, f"eip712v2:{forged_signature}::uid::first")
        assert reasons(await run(handlers, vdb, forged)) == ["SIGNER_NOT_AUTHORISED"]
        assert reasons(await run(handlers, vdb, real)) == ["NotificationAccepted"]

    async def test_a_replay_spends_no_rate_token(self, vdb: Database) -> None:
        handlers = make_handlers((SEPOLIA,), RateLimit(burst=2, per_second=0.0))
        await run(handlers, vdb, created(CHANNEL))
        first = notification(CHANNEL_KEY, ALICE, uid="u1")
        await run(handlers, vdb, first)
        for uid in ("r1", "r2", "r3"):
            replay = reposted(first, with_uid(first, uid))
            assert reasons(await run(handlers, vdb, replay)) == ["DUPLICATE_NOTIFICATION"]
        other = notification(CHANNEL_KEY, ALICE, uid="u2")
        assert reasons(await run(handlers, vdb, other)) == ["NotificationAccepted"]

    def test_a_pgpv4_content_id_leaves_the_armour_out(self) -> None:
        envelope = notification(CHANNEL_KEY, ALICE, uid="u1")
        sub = payload_of(envelope, NotificationSubmitted)
        armored = pgp_sign(new_pgp_key(), signed_text(sub.identity))
        commented = armored.replace("\n\n", "\nComment: re-posted\n\n", 1)
        assert commented != armored
        one = submitted(sub.model_copy(update={"verification_proof": f"pgpv4:{armored}"}))
        two = submitted(sub.model_copy(update={"verification_proof": f"pgpv4:{commented}"}))
        assert one.content_id == two.content_id


def opt(action: str, setting: str = "") -> Envelope:
    """Alice's signed opt-in or opt-out of CHANNEL."""
    return signed_optin(CHANNEL, ALICE_KEY, action, setting)


class TestOptIns:
    async def test_an_old_opt_in_replayed_after_an_opt_out_does_not_resubscribe(
        self, vdb: Database
    ) -> None:
        handlers = make_handlers((SEPOLIA,))
        await run(handlers, vdb, created(CHANNEL))
        [added] = await run(handlers, vdb, opt("Subscribe"))
        [removed] = await run(handlers, vdb, opt("Unsubscribe"))
        [replayed] = await run(handlers, vdb, opt("Subscribe"))
        assert (added.type, removed.type) == ("SubscriptionAdded", "SubscriptionRemoved")
        assert (replayed.type, replayed.payload["reason"]) == (
            "SubscriptionRejected",
            "DUPLICATE_OPTIN",
        )
        later = notification(CHANNEL_KEY, ALICE, uid="after")
        [decision] = await run(handlers, vdb, later)
        assert decision.payload["recipients"] == [{"address": ALICE, "spam": True}]

    async def test_a_wallet_resubscribes_by_signing_a_different_message(
        self, vdb: Database
    ) -> None:
        handlers = make_handlers((SEPOLIA,))
        await run(handlers, vdb, created(CHANNEL))
        await run(handlers, vdb, opt("Subscribe"))
        await run(handlers, vdb, opt("Unsubscribe"))
        [again] = await run(handlers, vdb, opt("Subscribe", "1+1-1"))
        assert again.type == "SubscriptionAdded"

    async def test_a_refused_opt_in_is_not_remembered(self, vdb: Database) -> None:
        handlers = make_handlers((SEPOLIA,))
        [refused] = await run(handlers, vdb, opt("Subscribe"))  # no channel yet
        await run(handlers, vdb, created(CHANNEL))
        [added] = await run(handlers, vdb, opt("Subscribe"))
        assert (refused.payload["reason"], added.type) == ("UNKNOWN_CHANNEL", "SubscriptionAdded")
