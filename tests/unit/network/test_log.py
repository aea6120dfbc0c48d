"""The replica log: a frontier that never passes a gap; evidence of what an origin signs twice."""

from __future__ import annotations

from pushnode_shared.protocol.network.evidence import EvidenceKind, is_valid
from pushnode_shared.protocol.network.keys import NodeKey
from pushnode_shared.protocol.network.log import Outcome, ReplicaLog
from pushnode_shared.protocol.network.origin import OriginWriter, state_hash
from pushnode_shared.protocol.network.records import GENESIS, sign_record

from .builders import chain, forged_upload, judge, upload

ORIGIN = NodeKey.generate()


def log() -> ReplicaLog:
    return ReplicaLog([ORIGIN.address], judge=judge)


def test_records_in_order_move_the_frontier() -> None:
    replica = log()
    for record in chain(ORIGIN, ["a", "b", "c"]):
        assert replica.add(record).outcome == Outcome.ACCEPTED
    assert replica.frontier() == {ORIGIN.address: 3}


def test_a_record_after_a_gap_waits_until_the_gap_is_filled() -> None:
    one, two, three = chain(ORIGIN, ["a", "b", "c"])
    replica = log()
    assert replica.add(one).outcome == Outcome.ACCEPTED
    assert replica.add(three).outcome == Outcome.PENDING
    assert replica.frontier() == {ORIGIN.address: 1}
    filled = replica.add(two)
    assert [r.seq for r in filled.accepted] == [2, 3]
    assert replica.frontier() == {ORIGIN.address: 3}


def test_the_same_record_twice_is_a_duplicate() -> None:
    (one,) = chain(ORIGIN, ["a"])
    replica = log()
    replica.add(one)
    assert replica.add(one).outcome == Outcome.DUPLICATE
    assert replica.evidence() == []


def test_two_records_at_one_sequence_number_are_evidence_and_the_first_stays() -> None:
    (one,) = chain(ORIGIN, ["a"])
    (other,) = chain(ORIGIN, ["b"])
    replica = log()
    replica.add(one)
    added = replica.add(other)
    assert added.outcome == Outcome.CONFLICT
    (evidence,) = added.evidence
    assert evidence.kind == EvidenceKind.EQUIVOCATION and is_valid(evidence)
    assert replica.records_after(ORIGIN.address, 0, 10) == [one]
    assert replica.banned_from(ORIGIN.address) == 1


def test_two_waiting_records_at_one_sequence_number_are_evidence_too() -> None:
    _, _, three = chain(ORIGIN, ["a", "b", "c"])
    _, _, other = chain(ORIGIN, ["a", "b", "d"])
    replica = log()
    replica.add(three)
    assert replica.add(other).outcome == Outcome.CONFLICT


def test_a_record_that_does_not_link_to_the_one_before_is_refused_as_evidence() -> None:
    one, _ = chain(ORIGIN, ["a", "b"])
    _, two = chain(ORIGIN, ["x", "b"])
    replica = log()
    replica.add(one)
    added = replica.add(two)
    assert added.outcome == Outcome.CONFLICT
    assert added.evidence[0].kind == EvidenceKind.BROKEN_CHAIN and is_valid(added.evidence[0])
    assert replica.frontier() == {ORIGIN.address: 1}


def test_a_first_record_with_a_previous_hash_is_evidence() -> None:
    bad = sign_record(
        ORIGIN, seq=1, prev="1" * 64, received_at=0, kind=upload("a")[0], data=upload("a")[1]
    )
    added = log().add(bad)
    assert added.outcome == Outcome.CONFLICT and is_valid(added.evidence[0])


def test_an_invalid_input_is_accepted_in_the_chain_kept_as_evidence_and_not_applied() -> None:
    writer = OriginWriter(ORIGIN)
    good = writer.record(*upload("a"), received_at=0)
    forged = writer.record(*forged_upload("b"), received_at=1)
    after = writer.record(*upload("c"), received_at=2)
    replica = log()
    for record in (good, forged, after):
        replica.add(record)
    assert replica.frontier() == {ORIGIN.address: 3}
    (evidence,) = replica.evidence()
    assert evidence.kind == EvidenceKind.INVALID_INPUT and evidence.reason == "BAD_CID"
    assert is_valid(evidence, judge) and not is_valid(evidence)
    assert list(replica.applied()) == [good, after]
    assert state_hash(replica.applied()) == state_hash([good, after])


def test_evidence_from_a_peer_is_kept_only_if_it_holds() -> None:
    (one,) = chain(ORIGIN, ["a"])
    (other,) = chain(ORIGIN, ["b"])
    elsewhere = log()
    elsewhere.add(one)
    (evidence,) = elsewhere.add(other).evidence
    replica = log()
    assert replica.add_evidence(evidence) is True
    assert replica.add_evidence(evidence) is False
    fake = evidence.model_copy(update={"records": [one, one]})
    assert log().add_evidence(fake) is False


def test_a_record_of_an_unknown_origin_is_refused() -> None:
    (record,) = chain(NodeKey.generate(), ["a"])
    assert log().add(record).outcome == Outcome.REFUSED


def test_a_record_with_a_bad_signature_is_refused_and_proves_nothing() -> None:
    (record,) = chain(ORIGIN, ["a"])
    replica = log()
    tampered = record.model_copy(update={"received_at": 5})
    assert replica.add(tampered).outcome == Outcome.REFUSED
    assert replica.evidence() == [] and replica.frontier()[ORIGIN.address] == 0
    assert record.prev == GENESIS
