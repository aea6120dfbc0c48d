"""The suite's own signing (tests/support/signing.py) is what the node verifies: written apart
from the node's helpers, it must still agree with them, or the e2e tests would test nothing."""

from __future__ import annotations

import pytest
from eth_account import Account

from pushnode_shared.protocol.chat import sdk_hash as node_sdk_hash
from pushnode_shared.protocol.signatures import (
    device_registration_message,
    recover_data_signer,
    recover_personal_signer,
)
from tests.conftest import ANVIL_KEYS
from tests.support import signing

KEY = ANVIL_KEYS[1]
SIGNER = Account.from_key(KEY).address
COMM = "0x5FbDB2315678afecb367f032d93F642f64180aa3"


def test_an_eip712v2_signature_recovers_to_its_signer_on_the_node() -> None:
    signature = signing.sign_data('2+{"x": "é"}', 11155111, COMM, KEY)
    assert recover_data_signer('2+{"x": "é"}', 11155111, COMM, signature) == SIGNER


def test_a_personal_signature_recovers_to_its_signer_on_the_node() -> None:
    assert recover_personal_signer("hello", signing.personal_sign("hello", KEY)) == SIGNER


@pytest.mark.parametrize("app", [None, "wallet-b"])
def test_the_device_text_is_the_one_the_node_checks(app: str | None) -> None:
    args = ("register", SIGNER, "token-1", "android", 1_700_000_000, app)
    assert signing.device_registration_text(*args) == device_registration_message(*args)


def test_the_sdk_hash_matches_the_nodes_for_plain_json() -> None:
    value = {"fromDID": "eip155:0xabc", "messageObj": {"content": "héllo"}, "sessionKey": None}
    assert signing.sdk_hash(value) == node_sdk_hash(value)
