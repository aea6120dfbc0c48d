"""The eip712v2 fast path hashes what eth-account's encode_typed_data hashes, and recovers the
signer eth-account's recover_message would (or refuses what it refuses), except that a high-s
signature, the malleable twin of a low-s one, is refused."""

from __future__ import annotations

import json

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data
from hypothesis import given, settings
from hypothesis import strategies as st

from pushnode_shared.protocol.chains import LOCAL_CHAINS, ChainConfig
from pushnode_shared.protocol.signatures import (
    BadSignature,
    data_signable,
    data_typed_message,
    personal_sign,
    recover_data_signer,
    recover_personal_signer,
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


_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def _eth_account_signer(data: str, signature: bytes) -> str | None:
    """What eth-account's own recover_message answers (None: it refuses the signature)."""
    typed = data_typed_message(data, LOCAL_CHAINS[0].chain_id, LOCAL_CHAINS[0].comm)
    try:
        return str(
            Account.recover_message(encode_typed_data(full_message=typed), signature=signature)
        )
    except Exception:
        return None


def _direct_signer(data: str, signature: bytes) -> str | None:
    chain = LOCAL_CHAINS[0]
    try:
        return recover_data_signer(data, chain.chain_id, chain.comm, "0x" + signature.hex())
    except BadSignature:
        return None


@settings(max_examples=60, deadline=None)
@given(
    data=st.text(max_size=40),
    v=st.integers(min_value=0, max_value=255),
    high_s=st.booleans(),
    r_override=st.sampled_from([None, 0, _N, _N - 1]),
)
def test_the_direct_recover_answers_as_eth_account_does_for_any_v_r_and_s(
    data: str, v: int, high_s: bool, r_override: int | None
) -> None:
    chain = LOCAL_CHAINS[0]
    good = bytes.fromhex(sign_data(data, chain.chain_id, chain.comm, ANVIL_KEYS[1])[2:])
    r, s = int.from_bytes(good[:32], "big"), int.from_bytes(good[32:64], "big")
    if high_s:
        s = _N - s
    if r_override is not None:
        r = r_override
    signature = r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes((v,))
    expected = None if high_s else _eth_account_signer(data, signature)
    assert _direct_signer(data, signature) == expected


def _high_s_twin(signature: str) -> str:
    raw = bytes.fromhex(signature.removeprefix("0x"))
    s = _N - int.from_bytes(raw[32:64], "big")  # and v flipped (27 <-> 28)
    return "0x" + (raw[:32] + s.to_bytes(32, "big") + bytes((55 - raw[64],))).hex()


def test_the_high_s_twin_of_a_signature_is_refused_though_eth_account_takes_it() -> None:
    chain = LOCAL_CHAINS[0]
    signature = sign_data("2+{}", chain.chain_id, chain.comm, ANVIL_KEYS[1])
    twin = _high_s_twin(signature)
    signer = Account.from_key(ANVIL_KEYS[1]).address
    assert _eth_account_signer("2+{}", bytes.fromhex(twin[2:])) == signer
    with pytest.raises(BadSignature, match="high-s"):
        recover_data_signer("2+{}", chain.chain_id, chain.comm, twin)


def test_the_high_s_twin_of_a_personal_signature_is_refused() -> None:
    signature = personal_sign("hello", ANVIL_KEYS[2])
    assert recover_personal_signer("hello", signature) == Account.from_key(ANVIL_KEYS[2]).address
    with pytest.raises(BadSignature, match="high-s"):
        recover_personal_signer("hello", _high_s_twin(signature))
