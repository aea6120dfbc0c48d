"""Node keys sign recoverably and canonically; an input id is what the client signed."""

from __future__ import annotations

from pathlib import Path

import pytest

from pushnode_shared.protocol.network.inputs import (
    BadInput,
    encode_input,
    input_id,
    normalise_signature,
)
from pushnode_shared.protocol.network.keys import SECP256K1_N, BadNodeSignature, NodeKey
from pushnode_shared.protocol.network.keys import recover_digest_signer as recover
from pushnode_shared.protocol.signatures import BadSignature, recover_data_signer, sign_data

DIGEST = bytes(range(32))
COMM = "0x0C34d54a09CFe75BCcd878A469206Ae77E0fe6e7"
CHANNEL_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"


def test_a_node_key_is_created_once_and_read_back_on_the_next_start(tmp_path: Path) -> None:
    path = tmp_path / "node" / "key"
    first = NodeKey.load_or_create(path)
    again = NodeKey.load_or_create(path)
    assert again.address == first.address
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_node_signature_recovers_to_the_node_id() -> None:
    key = NodeKey.generate()
    assert recover(DIGEST, key.sign_digest(DIGEST)) == key.address


def test_the_high_s_twin_of_a_node_signature_is_refused() -> None:
    raw = bytes.fromhex(NodeKey.generate().sign_digest(DIGEST)[2:])
    s = int.from_bytes(raw[32:64], "big")
    twin = raw[:32] + (SECP256K1_N - s).to_bytes(32, "big") + bytes((1 - raw[64],))
    with pytest.raises(BadNodeSignature):
        recover(DIGEST, "0x" + twin.hex())


def notification(proof: str, recipient: str = "eip155:11155111:0xabc") -> str:
    data, _ = encode_input(
        "NotificationSubmitted",
        {
            "identity": '2+{"notification":{"title":"t","body":"b"}}',
            "sender": "eip155:11155111:0x7099",
            "recipient": recipient,
            "source": "ETH_TEST_SEPOLIA",
            "verification_proof": proof,
        },
    )
    return data


def test_the_unsigned_uid_tail_and_the_recipient_do_not_change_a_notifications_input_id() -> None:
    proof = "eip712v2:" + sign_data("2+{}", 11155111, COMM, CHANNEL_KEY)
    one = input_id("NotificationSubmitted", notification(proof + "::uid::a"))
    two = input_id("NotificationSubmitted", notification(proof + "::uid::b", "eip155:1:0xdef"))
    assert one == two


def test_a_high_s_twin_of_a_client_signature_is_the_same_input() -> None:
    # The validator refuses the twin (BAD_SIGNATURE); a peer relaying it must still not make
    # it a second input, so the input id is taken over the low-s form.
    signature = sign_data("2+{}", 11155111, COMM, CHANNEL_KEY)
    raw = bytes.fromhex(signature[2:])
    s = int.from_bytes(raw[32:64], "big")
    twin = "0x" + (raw[:32] + (SECP256K1_N - s).to_bytes(32, "big") + bytes((55 - raw[64],))).hex()
    with pytest.raises(BadSignature):
        recover_data_signer("2+{}", 11155111, COMM, twin)
    assert normalise_signature(twin) == normalise_signature(signature)
    assert input_id("NotificationSubmitted", notification("eip712v2:" + twin)) == input_id(
        "NotificationSubmitted", notification("eip712v2:" + signature)
    )


def test_another_signature_is_another_input() -> None:
    one = sign_data("2+{}", 11155111, COMM, CHANNEL_KEY)
    two = sign_data("2+{ }", 11155111, COMM, CHANNEL_KEY)
    assert input_id("NotificationSubmitted", notification("eip712v2:" + one)) != input_id(
        "NotificationSubmitted", notification("eip712v2:" + two)
    )


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        ("NotificationSubmitted", '{"identity":"2+{}"}'),
        ("Unknown", "{}"),
        ("ContentUploaded", '{ "cid":"b1"}'),
        ("ContentUploaded", '{"cid":"b1","data":"\\ud800"}'),
        ("ContentUploaded", "[1]"),
        ("ContentUploaded", "{" * 5000),
    ],
)
def test_inputs_without_a_signed_identity_or_in_another_spelling_are_refused(
    kind: str, data: str
) -> None:
    with pytest.raises(BadInput):
        input_id(kind, data)
