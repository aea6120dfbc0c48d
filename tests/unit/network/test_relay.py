"""Local submissions become record inputs; relayed inputs become the same submissions again."""

from __future__ import annotations

from datetime import UTC, datetime

from pushnode_shared.infra.envelope import derive_id
from pushnode_shared.protocol.events import NotificationSubmitted, unwrap, wrap
from pushnode_shared.protocol.network.inputs import input_id
from pushnode_shared.protocol.network.keys import NodeKey
from pushnode_shared.protocol.network.origin import OriginWriter
from pushnode_shared.protocol.network.relay import admission_problem, input_of, relayed
from pushnode_shared.protocol.signatures import sign_data
from pushnode_shared.protocol.topics import PROTOCOL_INPUTS

COMM = "0x0C34d54a09CFe75BCcd878A469206Ae77E0fe6e7"
CHANNEL_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
IDENTITY = '2+{"notification":{"title":"t","body":"b"},"data":{"type":"1"}}'
PROOF = "eip712v2:" + sign_data(IDENTITY, 11155111, COMM, CHANNEL_KEY) + "::uid::u-1"


def submitted(proof: str = PROOF) -> NotificationSubmitted:
    """A local submission, stamped with microseconds as the gateway stamps it."""
    return NotificationSubmitted(
        notification_id=derive_id("notification", proof),
        channel="0x70997970c51812dc3a010c7d01b50e0d17dc79c8",
        sender="eip155:11155111:0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        recipient="eip155:11155111:0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        identity=IDENTITY,
        verification_proof=proof,
        source="ETH_TEST_SEPOLIA",
        submitted_at=datetime(2026, 12, 7, 20, 0, 0, 123456, tzinfo=UTC),
    )


def test_a_relayed_notification_is_the_origins_submission_with_the_origins_receive_time() -> None:
    local = wrap(submitted(), producer="gateway")
    found = input_of(local)
    assert found is not None
    kind, data, received_at = found
    record = OriginWriter(NodeKey.generate()).record(kind, data, received_at=received_at)
    topic, envelope = relayed(record)
    assert topic == PROTOCOL_INPUTS
    assert unwrap(envelope) == submitted()
    assert envelope.producer == "network" and envelope.causation_id == record.hash


def test_a_relayed_input_is_never_recorded_again() -> None:
    found = input_of(wrap(submitted(), producer="gateway"))
    assert found is not None
    record = OriginWriter(NodeKey.generate()).record(*found[:2], received_at=0)
    assert input_of(relayed(record)[1]) is None


def test_one_notification_posted_with_two_uids_is_one_input() -> None:
    one = input_of(wrap(submitted(), producer="gateway"))
    two = input_of(wrap(submitted(PROOF.replace("u-1", "u-2")), producer="gateway"))
    assert one is not None and two is not None
    assert input_id(*one[:2]) == input_id(*two[:2])


def test_an_admissible_notification_passes_and_a_malformed_proof_is_the_origins_fault() -> None:
    good = input_of(wrap(submitted(), producer="gateway"))
    bad = input_of(wrap(submitted("eip712v2:0x1234::uid::x"), producer="gateway"))
    assert good is not None and bad is not None
    assert admission_problem(*good[:2]) is None
    assert "BAD_SIGNATURE" in str(admission_problem(*bad[:2]))
