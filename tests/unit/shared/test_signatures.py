"""The eip712v2 fast path hashes exactly what eth-account's encode_typed_data hashes."""

from __future__ import annotations

import json

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data

from pushnode_shared.chains import LOCAL_CHAINS, ChainConfig
from pushnode_shared.signatures import (
    data_signable,
    data_typed_message,
    recover_data_signer,
    sign_data,
)
from tests.conftest import ANVIL_KEYS

DATA = [
    "",
    "2+" + json.dumps({"notification": {"title": "Hi", "body": "There"}, "data": {"type": "3"}}),
    "0+1+Ünïcödé 🚀+body with + signs",
    "x" * 20_000,
    json.dumps({"channel": "eip155:1:0x0", "action": "Subscribe"}, indent=4),
]


@pytest.mark.parametrize("data", DATA, ids=range(len(DATA)))
@pytest.mark.parametrize("chain", LOCAL_CHAINS, ids=lambda c: str(c.chain_id))
def test_the_fast_message_equals_eth_accounts(data: str, chain: ChainConfig) -> None:
    typed = data_typed_message(data, chain.chain_id, chain.comm)
    assert data_signable(data, chain.chain_id, chain.comm) == encode_typed_data(full_message=typed)


def test_a_signature_over_one_domain_recovers_another_signer_in_the_other() -> None:
    sepolia, amoy = LOCAL_CHAINS
    signature = sign_data("2+{}", sepolia.chain_id, sepolia.comm, ANVIL_KEYS[1])
    signer = Account.from_key(ANVIL_KEYS[1]).address
    assert recover_data_signer("2+{}", sepolia.chain_id, sepolia.comm, signature) == signer
    assert recover_data_signer("2+{}", amoy.chain_id, amoy.comm, signature) != signer
