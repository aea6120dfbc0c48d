"""The bad-input matrix: each broken submission is refused with its own enumerated reason.

Every case starts from one valid, accepted notification and breaks exactly one thing, so a
case can only pass because of what it breaks (the baseline test checks the starting point).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import pytest
from eth_account import Account

from pushnode_shared.infra.ipfs import cid_of
from pushnode_shared.protocol.chains import LOCAL_CHAINS
from pushnode_shared.protocol.events import (
    ChannelCreated,
    ChannelStateChanged,
    DelegateAdded,
    DelegateRemoved,
    NotificationSubmitted,
    RejectReason,
)
from pushnode_shared.protocol.payloads import PAYLOAD_MAX_BYTES
from pushnode_shared.protocol.signatures import sign_data
from pushnode_validator.adapters.pgp import check, key_facts, signed_text
from pushnode_validator.domain.keys import RegisteredKey
from pushnode_validator.domain.notice import submitted
from pushnode_validator.domain.notifications import Context, Verdict, judge_in
from pushnode_validator.domain.projection import ChannelState, fold
from pushnode_validator.domain.ratelimit import Bucket, RateLimit, micros
from tests.conftest import ANVIL_KEYS
from tests.support.chat import new_pgp_key, pgp_sign

SEPOLIA, AMOY = LOCAL_CHAINS
CHANNEL_KEY, ALICE_KEY, MALLORY_KEY = ANVIL_KEYS[1], ANVIL_KEYS[2], ANVIL_KEYS[3]
CHANNEL = Account.from_key(CHANNEL_KEY).address
ALICE = Account.from_key(ALICE_KEY).address
MALLORY = Account.from_key(MALLORY_KEY).address
WHEN = datetime(2026, 1, 1, tzinfo=UTC)
CHANNEL_PGP, OTHER_PGP = new_pgp_key(), new_pgp_key()


def registered(key: Any = CHANNEL_PGP, expires_us: int | None = None) -> RegisteredKey:
    public = str(key.pubkey)
    return RegisteredKey(public, key_facts(public).fingerprint, expires_us)


def payload(ntype: str = "3", **data: Any) -> dict[str, Any]:
    return {
        "notification": {"title": "Hi", "body": "There"},
        "data": {"type": ntype, "asub": "s", "amsg": "m", **data},
        "recipients": {f"eip155:{SEPOLIA.chain_id}:{ALICE}": None},
    }


def inline(body: dict[str, Any]) -> str:
    return "2+" + json.dumps(body)


@dataclass(frozen=True)
class Sub:
    """A submission to build: what is signed, by whom, under which domain."""

    identity: str = inline(payload())
    key: str = CHANNEL_KEY
    sender: str = f"eip155:{SEPOLIA.chain_id}:{CHANNEL}"
    recipient: str = f"eip155:{SEPOLIA.chain_id}:{ALICE}"
    domain_chain: int = SEPOLIA.chain_id
    domain_comm: str = SEPOLIA.comm
    proof: str | None = None  # a literal proof instead of a signature
    pgp: Any = None  # sign a pgpv4 proof with this PGP key instead
    pgp_identity: str | None = None  # what the pgpv4 proof signs, when not the identity

    def build(self) -> NotificationSubmitted:
        signature = sign_data(self.identity, self.domain_chain, self.domain_comm, self.key)
        if self.pgp is not None:
            text = signed_text(self.pgp_identity or self.identity)
            return replace(self, proof="pgpv4:" + pgp_sign(self.pgp, text), pgp=None).build()
        return NotificationSubmitted(
            notification_id="n1",
            channel=self.sender.split(":")[-1].lower(),
            sender=self.sender,
            recipient=self.recipient,
            identity=self.identity,
            verification_proof=self.proof or f"eip712v2:{signature}::uid::u1",
            source=SEPOLIA.source,
            submitted_at=WHEN,
        )


def channel_state(*facts: Any) -> ChannelState:
    created = ChannelCreated(
        channel=CHANNEL.lower(),
        chain_id=SEPOLIA.chain_id,
        channel_type=2,
        identity="1+x",
        block_number=1,
    )
    return fold(CHANNEL.lower(), [created, *facts])


def ctx(**changes: Any) -> Context:
    base = Context(channel=channel_state(), chain=SEPOLIA, pgp=check)
    return replace(base, **changes)


def oversized(field_name: str, limit: int, where: str = "data") -> str:
    body = payload()
    body[where] = {**body[where], field_name: "x" * (limit + 1)}
    return inline(body)


def high_s(proof: str) -> str:
    """The malleable twin (r, N - s, v flipped) of an eip712v2 proof: it recovers the same
    signer, so accepting it would let a replay pass as a new notification."""
    n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
    signature, _, uid = proof.removeprefix("eip712v2:").partition("::uid::")
    raw = bytes.fromhex(signature.removeprefix("0x"))
    twin = raw[:32] + (n - int.from_bytes(raw[32:64], "big")).to_bytes(32, "big")
    return f"eip712v2:0x{(twin + bytes((55 - raw[64],))).hex()}::uid::{uid}"


MISSING_CID = cid_of(b"never stored on this node")
GARBAGE_CID = cid_of(b"not json at all")


@dataclass(frozen=True)
class Case:
    name: str
    sub: Sub
    context: Callable[[], Context]
    reason: RejectReason
    detail: str = ""


def case(
    name: str,
    reason: RejectReason,
    sub: Sub | None = None,
    context: Callable[[], Context] = ctx,
    detail: str = "",
) -> Case:
    return Case(name, sub or Sub(), context, reason, detail)


R = RejectReason
CASES = [
    # Who signed
    case("forged signature: a stranger signs for the channel", R.SIGNER_NOT_AUTHORISED,
         Sub(key=MALLORY_KEY), detail=MALLORY),
    case("garbled signature bytes", R.BAD_SIGNATURE, Sub(proof="eip712v2:0x1234::uid::x")),
    case("signature that is not hex", R.BAD_SIGNATURE, Sub(proof="eip712v2:0xzz::uid::x")),
    case("signature of 65 zero bytes recovers nobody", R.BAD_SIGNATURE,
         Sub(proof="eip712v2:0x" + "00" * 65)),
    case("high-s twin of the channel's own signature", R.BAD_SIGNATURE,
         Sub(proof=high_s(Sub().build().verification_proof)), detail="high-s"),
    case("identity changed after signing", R.SIGNER_NOT_AUTHORISED,
         Sub(identity=inline(payload(asub="changed")), proof=Sub().build().verification_proof)),
    case("wrong chain id in the EIP-712 domain", R.SIGNER_NOT_AUTHORISED,
         Sub(domain_chain=1), detail="chainId 11155111"),
    case("wrong Comm address in the EIP-712 domain", R.SIGNER_NOT_AUTHORISED,
         Sub(domain_comm=AMOY.comm), detail="Comm"),
    case("delegate of the channel on another chain", R.SIGNER_NOT_AUTHORISED, Sub(key=ALICE_KEY),
         lambda: ctx(channel=channel_state(
             DelegateAdded(channel=CHANNEL.lower(), delegate=ALICE.lower(), chain_id=AMOY.chain_id)
         ))),
    case("removed delegate", R.SIGNER_NOT_AUTHORISED, Sub(key=ALICE_KEY),
         lambda: ctx(channel=channel_state(
             DelegateAdded(channel=CHANNEL.lower(), delegate=ALICE.lower(), chain_id=11155111),
             DelegateRemoved(channel=CHANNEL.lower(), delegate=ALICE.lower(), chain_id=11155111),
         ))),
    # Which channel
    case("channel never created", R.UNKNOWN_CHANNEL, context=lambda: ctx(channel=None)),
    case("blocked channel", R.CHANNEL_INACTIVE, detail="blocked",
         context=lambda: ctx(channel=channel_state(ChannelStateChanged(
             channel=CHANNEL.lower(), chain_id=11155111, active=False, cause="blocked")))),
    case("deactivated channel", R.CHANNEL_INACTIVE, detail="deactivated",
         context=lambda: ctx(channel=channel_state(ChannelStateChanged(
             channel=CHANNEL.lower(), chain_id=11155111, active=False, cause="deactivated")))),
    case("sender on an alias chain without a verified alias", R.ALIAS_NOT_VERIFIED,
         Sub(sender=f"eip155:{AMOY.chain_id}:{CHANNEL}", domain_chain=AMOY.chain_id,
             domain_comm=AMOY.comm), lambda: ctx(chain=AMOY)),
    case("sender on a chain the node does not follow", R.CHAIN_NOT_SUPPORTED,
         Sub(sender=f"eip155:1:{CHANNEL}"), lambda: ctx(chain=None)),
    # Replays and rate
    case("replayed proof/uid", R.DUPLICATE_NOTIFICATION, context=lambda: ctx(already_seen=True)),
    case("channel over its rate", R.RATE_LIMITED,
         context=lambda: ctx(limit=RateLimit(burst=2, per_second=1.0),
                             bucket=Bucket(tokens=0, at_us=micros(WHEN)))),
    # Addresses
    case("malformed CAIP sender", R.BAD_SENDER, Sub(sender="eip155:11155111:0xnothex")),
    case("CAIP sender with too many parts", R.BAD_SENDER,
         Sub(sender=f"eip155:11155111:{CHANNEL}:x")),
    case("malformed CAIP recipient of a targeted notification", R.BAD_RECIPIENT,
         Sub(recipient="eip155:11155111:0x12")),
    case("malformed CAIP in a subset", R.BAD_RECIPIENT,
         Sub(identity=inline({**payload("4"), "recipients": {"eip155:1:nope": None}}))),
    case("subset with zero recipients", R.BAD_RECIPIENT,
         Sub(identity=inline({**payload("4"), "recipients": {}}))),
    case("subset without a recipients object", R.BAD_RECIPIENT,
         Sub(identity=inline({**payload("4"), "recipients": "eip155:1:" + ALICE}))),
    # Proof format
    case("proof without a kind", R.BAD_PROOF_FORMAT, Sub(proof="0xabcdef")),
    case("pgpv4 proof from a channel with no registered PGP key", R.PGP_KEY_NOT_REGISTERED,
         Sub(pgp=CHANNEL_PGP), detail="POST /apis/v2/users"),
    case("pgpv4 proof signed by another PGP key", R.BAD_SIGNATURE, Sub(pgp=OTHER_PGP),
         lambda: ctx(pgp_key=registered()), detail="does not verify"),
    case("pgpv4 proof over another identity", R.BAD_SIGNATURE,
         Sub(pgp=CHANNEL_PGP, pgp_identity=inline(payload(asub="changed"))),
         lambda: ctx(pgp_key=registered())),
    case("pgpv4 proof that is not a PGP signature", R.BAD_SIGNATURE,
         Sub(proof="pgpv4:-----BEGIN PGP SIGNATURE-----"), lambda: ctx(pgp_key=registered())),
    case("pgpv4 proof under a key expired by then", R.PGP_KEY_NOT_REGISTERED, Sub(pgp=CHANNEL_PGP),
         lambda: ctx(pgp_key=registered(expires_us=micros(WHEN))), detail="expired"),
    case("an on-chain eip155 proof posted off-chain", R.UNSUPPORTED_PROOF,
         Sub(proof="eip155:11155111:0x" + "ab" * 32)),
    # Identity
    case("unknown identity type", R.BAD_IDENTITY, Sub(identity="7+whatever")),
    case("identity without a type", R.BAD_IDENTITY, Sub(identity="just text")),
    case("minimal identity missing its body", R.BAD_IDENTITY, Sub(identity="0+3+Title")),
    case("subgraph identity (type 3)", R.UNSUPPORTED_IDENTITY,
         Sub(identity="3+graph:someone/some-graph+3"), detail="type 3"),
    case("IPFS identity whose CID is not on this node", R.IDENTITY_NOT_FOUND,
         Sub(identity=f"1+{MISSING_CID}"), lambda: ctx(blocks={MISSING_CID: None})),
    case("IPFS identity that is not a CID", R.BAD_IDENTITY, Sub(identity="1+QmNotACid")),
    case("IPFS object that is not JSON", R.BAD_PAYLOAD, Sub(identity=f"1+{GARBAGE_CID}"),
         lambda: ctx(blocks={GARBAGE_CID: b"not json at all"})),
    case("IPFS object over the size limit", R.PAYLOAD_TOO_LARGE,
         Sub(identity=f"1+{GARBAGE_CID}"),
         lambda: ctx(blocks={GARBAGE_CID: b" " * (PAYLOAD_MAX_BYTES + 1)})),
    # Payload standard
    case("oversized identity", R.PAYLOAD_TOO_LARGE,
         Sub(identity=inline(payload(acta="x" * PAYLOAD_MAX_BYTES)))),
    case("payload that is not JSON", R.BAD_PAYLOAD, Sub(identity="2+{broken")),
    case("payload that is a JSON list", R.BAD_PAYLOAD, Sub(identity="2+[1, 2]")),
    case("payload without notification", R.BAD_PAYLOAD,
         Sub(identity=inline({"data": {"type": "3"}}))),
    case("title over 50 characters", R.BAD_PAYLOAD,
         Sub(identity=oversized("title", 50, "notification")), detail="title"),
    case("body over 180 characters", R.BAD_PAYLOAD,
         Sub(identity=oversized("body", 180, "notification")), detail="body"),
    case("asub over 80 characters", R.BAD_PAYLOAD, Sub(identity=oversized("asub", 80)),
         detail="asub"),
    case("amsg over 500 characters", R.BAD_PAYLOAD, Sub(identity=oversized("amsg", 500)),
         detail="amsg"),
    case("title that is not a string", R.BAD_PAYLOAD,
         Sub(identity=inline({**payload(), "notification": {"title": 5, "body": "b"}}))),
    case("notification type 5", R.BAD_PAYLOAD, Sub(identity=inline(payload("5")))),
    case("additionalMeta type not <type>+<version>", R.BAD_PAYLOAD,
         Sub(identity=inline(payload(additionalMeta={"type": "video", "data": "{}"}))),
         detail="additionalMeta.type"),
    case("additionalMeta data not a string", R.BAD_PAYLOAD,
         Sub(identity=inline(payload(additionalMeta={"type": "1+1", "data": {"a": 1}}))),
         detail="additionalMeta.data"),
    case("additionalMeta that is a list", R.BAD_PAYLOAD,
         Sub(identity=inline(payload(additionalMeta=["1+1"]))), detail="additionalMeta"),
]  # fmt: skip


def verdict_of(item: Case) -> Verdict:
    return judge_in(submitted(item.sub.build()), item.context())


def test_the_matrix_has_at_least_thirty_distinct_cases() -> None:
    assert len({c.name for c in CASES}) == len(CASES) >= 30


def test_the_unbroken_submission_is_accepted() -> None:
    verdict = verdict_of(case("baseline", R.BAD_PAYLOAD))
    assert verdict.accepted, verdict.detail


@pytest.mark.parametrize("item", CASES, ids=lambda c: c.name)
def test_a_broken_submission_is_refused_with_its_reason(item: Case) -> None:
    verdict = verdict_of(item)
    assert not verdict.accepted
    assert (verdict.reason, item.name) == (item.reason, item.name), verdict.detail
    assert item.detail in verdict.detail


class TestAtTheLimits:
    """Exactly at a limit is fine; the matrix shows one over is not."""

    @pytest.mark.parametrize(
        ("field_name", "limit", "where"),
        [("title", 50, "notification"), ("body", 180, "notification"), ("asub", 80, "data"),
         ("amsg", 500, "data")],
    )  # fmt: skip
    def test_a_field_exactly_at_its_limit_is_accepted(
        self, field_name: str, limit: int, where: str
    ) -> None:
        body = payload()
        body[where] = {**body[where], field_name: "x" * limit}
        assert verdict_of(case("at limit", R.BAD_PAYLOAD, Sub(identity=inline(body)))).accepted

    def test_a_well_formed_additional_meta_is_accepted(self) -> None:
        meta = {"type": "1+1", "data": '{"k": 1}', "domain": "push.org"}
        sub = Sub(identity=inline(payload(additionalMeta=meta)))
        assert verdict_of(case("meta", R.BAD_PAYLOAD, sub)).accepted

    def test_a_pgpv4_proof_by_the_channels_registered_key_is_accepted_and_names_it(self) -> None:
        item = Case("pgp", Sub(pgp=CHANNEL_PGP), lambda: ctx(pgp_key=registered()), R.BAD_PAYLOAD)
        verdict = verdict_of(item)
        assert verdict.accepted, verdict.detail
        assert verdict.signer == CHANNEL.lower()
        assert verdict.signing_key == registered().fingerprint

    def test_a_legacy_string_additional_meta_is_accepted(self) -> None:
        sub = Sub(identity=inline(payload(additionalMeta="legacy")))
        assert verdict_of(case("meta", R.BAD_PAYLOAD, sub)).accepted
