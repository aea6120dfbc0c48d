"""The validator admits only notifications signed by an active channel, and sorts inbox/spam."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from eth_account import Account

from pushnode_shared.infra.ipfs import cid_of
from pushnode_shared.protocol.chains import LOCAL_CHAINS
from pushnode_shared.protocol.events import ChainEventObserved, NotificationSubmitted, RejectReason
from pushnode_shared.protocol.signatures import sign_data
from pushnode_validator.domain.notice import from_log
from pushnode_validator.domain.notifications import Context, judge, judge_in
from pushnode_validator.domain.projection import ChannelState
from pushnode_validator.domain.ratelimit import Bucket, RateLimit, micros

CHAIN = LOCAL_CHAINS[0]


def submission(key: str, recipient: str, ntype: str = "3", **changes: str) -> NotificationSubmitted:
    channel = Account.from_key(key).address
    payload = {
        "notification": {"title": "Hi", "body": "There"},
        "data": {"type": ntype, "asub": "s", "amsg": "m"},
        "recipients": {f"eip155:{CHAIN.chain_id}:{recipient}": None},
    }
    identity = changes.pop("identity", "2+" + json.dumps(payload))
    proof = "eip712v2:" + sign_data(identity, CHAIN.chain_id, CHAIN.comm, key) + "::uid::u1"
    fields = {
        "notification_id": "n1",
        "channel": channel.lower(),
        "sender": f"eip155:{CHAIN.chain_id}:{channel}",
        "recipient": f"eip155:{CHAIN.chain_id}:{recipient}",
        "identity": identity,
        "verification_proof": proof,
        "source": CHAIN.source,
        "submitted_at": datetime(2026, 1, 1, tzinfo=UTC).isoformat(),
    }
    fields.update(changes)
    return NotificationSubmitted.model_validate(fields)


def active(channel: str, *subscribers: str) -> ChannelState:
    return ChannelState(
        channel=channel.lower(),
        chain_id=CHAIN.chain_id,
        active=True,
        channel_type=2,
        subscribers=frozenset(s.lower() for s in subscribers),
    )


@pytest.fixture
def keys(anvil_keys: tuple[str, ...]) -> tuple[str, str, str]:
    channel_key = anvil_keys[1]
    return (
        channel_key,
        Account.from_key(anvil_keys[2]).address,
        Account.from_key(anvil_keys[3]).address,
    )


class TestJudge:
    def test_a_subscriber_gets_it_in_the_inbox(self, keys: tuple[str, str, str]) -> None:
        key, alice, _ = keys
        sub = submission(key, alice)
        verdict = judge(sub, active(sub.channel, alice), CHAIN, already_seen=False)
        assert verdict.accepted
        assert [(r.address, r.spam) for r in verdict.recipients] == [(alice.lower(), False)]

    def test_a_stranger_gets_it_in_the_spam_box(self, keys: tuple[str, str, str]) -> None:
        key, alice, bob = keys
        sub = submission(key, bob)
        verdict = judge(sub, active(sub.channel, alice), CHAIN, already_seen=False)
        assert [(r.address, r.spam) for r in verdict.recipients] == [(bob.lower(), True)]

    def test_a_broadcast_is_marked_as_one_and_lists_no_recipient(
        self, keys: tuple[str, str, str]
    ) -> None:
        key, alice, bob = keys
        sub = submission(key, alice, ntype="1")
        verdict = judge(sub, active(sub.channel, alice, bob), CHAIN, already_seen=False)
        assert verdict.accepted and verdict.broadcast
        assert verdict.recipients == ()

    def test_a_subset_reaches_the_listed_wallets(self, keys: tuple[str, str, str]) -> None:
        key, alice, _ = keys
        sub = submission(key, alice, ntype="4")
        verdict = judge(sub, active(sub.channel), CHAIN, already_seen=False)
        assert [r.address for r in verdict.recipients] == [alice.lower()]

    def test_an_unknown_channel_is_rejected(self, keys: tuple[str, str, str]) -> None:
        key, alice, _ = keys
        verdict = judge(submission(key, alice), None, CHAIN, already_seen=False)
        assert verdict.reason is RejectReason.UNKNOWN_CHANNEL

    def test_someone_else_signing_is_not_authorised(
        self, keys: tuple[str, str, str], anvil_keys: tuple[str, ...]
    ) -> None:
        key, alice, _ = keys
        forged = submission(anvil_keys[3], alice)
        real_channel = Account.from_key(key).address
        sub = forged.model_copy(
            update={
                "channel": real_channel.lower(),
                "sender": f"eip155:{CHAIN.chain_id}:{real_channel}",
            }
        )
        verdict = judge(sub, active(real_channel, alice), CHAIN, already_seen=False)
        assert verdict.reason is RejectReason.SIGNER_NOT_AUTHORISED

    def test_a_tampered_identity_no_longer_matches_the_signature(
        self, keys: tuple[str, str, str]
    ) -> None:
        key, alice, _ = keys
        sub = submission(key, alice)
        tampered = sub.model_copy(update={"identity": sub.identity.replace("There", "Thera")})
        verdict = judge(tampered, active(sub.channel, alice), CHAIN, already_seen=False)
        assert verdict.reason is RejectReason.SIGNER_NOT_AUTHORISED

    def test_a_garbled_signature_is_a_bad_signature(self, keys: tuple[str, str, str]) -> None:
        key, alice, _ = keys
        sub = submission(key, alice, verification_proof="eip712v2:0x1234::uid::x")
        verdict = judge(sub, active(sub.channel, alice), CHAIN, already_seen=False)
        assert verdict.reason is RejectReason.BAD_SIGNATURE

    def test_a_second_submission_of_the_same_notification_is_a_duplicate(
        self, keys: tuple[str, str, str]
    ) -> None:
        key, alice, _ = keys
        sub = submission(key, alice)
        verdict = judge(sub, active(sub.channel, alice), CHAIN, already_seen=True)
        assert verdict.reason is RejectReason.DUPLICATE_NOTIFICATION

    def test_a_title_over_fifty_characters_is_a_bad_payload(
        self, keys: tuple[str, str, str]
    ) -> None:
        key, alice, _ = keys
        payload = {"notification": {"title": "x" * 51, "body": "b"}, "data": {"type": "3"}}
        sub = submission(key, alice, identity="2+" + json.dumps(payload))
        verdict = judge(sub, active(sub.channel, alice), CHAIN, already_seen=False)
        assert verdict.reason is RejectReason.BAD_PAYLOAD

    def test_an_ipfs_identity_is_judged_on_the_fetched_payload(
        self, keys: tuple[str, str, str]
    ) -> None:
        key, alice, _ = keys
        body = json.dumps({"notification": {"title": "T", "body": "B"}, "data": {"type": "3"}})
        cid = cid_of(body.encode())
        sub = submission(key, alice, identity=f"1+{cid}")
        state = active(sub.channel, alice)
        verdict = judge(sub, state, CHAIN, already_seen=False, blocks={cid: body.encode()})
        assert verdict.accepted and verdict.payload == json.loads(body)


class TestOneJudgeForBothKinds:
    """An on-chain notification meets the same judge; the log is its proof and gas its fee."""

    def test_an_on_chain_send_is_accepted_as_the_channel_without_spending_a_token(
        self, keys: tuple[str, str, str]
    ) -> None:
        key, alice, _ = keys
        channel = Account.from_key(key).address.lower()
        body = {"notification": {"title": "Hi", "body": "There"}, "data": {"type": "3"}}
        identity = "2+" + json.dumps(body)
        log = ChainEventObserved(
            chain_id=CHAIN.chain_id,
            contract=CHAIN.comm.lower(),
            event="SendNotification",
            args={
                "channel": channel,
                "recipient": alice,
                "identity": "0x" + identity.encode().hex(),
            },
            block_number=1,
            block_hash="0x" + "11" * 32,
            tx_hash="0x" + "22" * 32,
            log_index=0,
            channel=channel,
        )
        at = datetime(2026, 1, 1, tzinfo=UTC)
        empty = Bucket(tokens=0, at_us=micros(at))
        limited = Context(active(channel, alice), CHAIN, bucket=empty, limit=RateLimit(1, 0.0))
        verdict = judge_in(from_log(log, CHAIN, at), limited)
        assert verdict.accepted, verdict.detail
        assert (verdict.signer, verdict.bucket) == (channel, None)
        assert [r.address for r in verdict.recipients] == [alice.lower()]


class TestWantedWallets:
    """A decision loads only the subscriptions it needs (none for a broadcast)."""

    def test_a_targeted_notification_needs_only_its_recipient(self) -> None:
        from pushnode_validator.domain.notice import wanted_wallets

        identity = "2+" + json.dumps(
            {"notification": {"title": "t", "body": "b"}, "data": {"type": "3"}}
        )
        wallet = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
        assert wanted_wallets(identity, f"eip155:1:{wallet}") == {wallet.lower()}

    def test_a_broadcast_needs_no_subscriber_list(self) -> None:
        from pushnode_validator.domain.notice import wanted_wallets

        identity = "0+1+News+For all"
        assert (
            wanted_wallets(identity, "eip155:1:0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC") == set()
        )

    def test_an_on_chain_send_to_the_channel_itself_is_a_broadcast(self) -> None:
        from pushnode_validator.domain.notice import wanted_wallets

        channel = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"
        wanted = wanted_wallets("0+3+Hi+There", f"eip155:1:{channel}", broadcast_to=channel)
        assert wanted == set()

    def test_an_unreadable_identity_needs_nobody(self) -> None:
        from pushnode_validator.domain.notice import wanted_wallets

        assert wanted_wallets("2+{broken", "eip155:1:0x0") == set()
