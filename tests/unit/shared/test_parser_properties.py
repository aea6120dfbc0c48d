"""Properties of the parsers every untrusted string goes through (hypothesis).

Each parser either returns a value or raises its own documented error: anything else escapes
the gateway's error mapping as a 500, or stalls a consumer on a poison record. Where a value
can be written back, writing and reading it again gives the same value.
"""

from __future__ import annotations

import json
import string
from typing import Any

import pytest
from eth_utils.address import to_checksum_address
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pushnode_shared.infra.envelope import Envelope, MalformedEvent, from_record, to_record
from pushnode_shared.infra.ipfs import parse_cid
from pushnode_shared.protocol.caip import Account, BadAddress, parse_account
from pushnode_shared.protocol.events import ChannelCreated, RejectReason, wrap
from pushnode_shared.protocol.optins import OptIn, parse_optin
from pushnode_shared.protocol.payloads import (
    ASUB_MAX,
    BODY_MAX,
    TITLE_MAX,
    Identity,
    PayloadError,
    Proof,
    check_payload,
    parse_identity,
    parse_proof,
)

# Inputs a careless parser trips on: non-ASCII digits (str.isdigit() says yes, int() may
# say no), digit strings past int()'s 4,300-digit limit, JSON nested past the recursion limit.
DEEP_JSON = "[" * 100_000 + "]" * 100_000
HUGE_INT = "9" * 5_000
SUPERSCRIPT_TWO = "\u00b2"
ARABIC_ONE = "\u0661"

addresses = st.binary(min_size=20, max_size=20).map(lambda b: to_checksum_address("0x" + b.hex()))
chain_ids = st.none() | st.integers(min_value=0, max_value=2**63 - 1)
caip_like = st.tuples(
    st.sampled_from(["", "eip155:", "eip155:1:", "eip155::", "cosmos:1:", "eip155:01:"]),
    st.text(),
).map("".join)


# ------------------------------------------------------------------ CAIP-10 --


@given(address=addresses, chain=chain_ids)
def test_an_account_written_as_caip10_reads_back_as_itself(address: str, chain: int | None) -> None:
    account = Account(address, chain)
    assert parse_account(account.caip10()) == account


@given(address=addresses, chain=st.integers(min_value=0, max_value=2**63 - 1))
def test_case_and_padding_of_the_written_address_do_not_matter(address: str, chain: int) -> None:
    for text in (address.lower(), address.upper().replace("0X", "0x")):
        assert parse_account(f"eip155:{chain}:{text}") == Account(address, chain)
        assert parse_account(f" eip155:{chain}:{text}\n") == Account(address, chain)


@given(address=addresses, default=st.integers(min_value=1, max_value=10**6))
def test_a_partial_caip_takes_the_default_chain_only_when_written(
    address: str, default: int
) -> None:
    partial = parse_account(f"eip155:{address}")
    assert partial.chain_id is None
    assert partial.caip10(default) == f"eip155:{default}:{address}"
    assert parse_account(partial.caip10(default)).chain_id == default


@given(text=st.text() | caip_like)
@example(text=f"eip155:{SUPERSCRIPT_TWO}:0x{'ab' * 20}")
@example(text=f"eip155:{ARABIC_ONE}:0x{'ab' * 20}")
@example(text=f"eip155:{HUGE_INT}:0x{'ab' * 20}")
@example(text=f"eip155:{2**64}:0x{'ab' * 20}")
@example(text="0x" + "\uff10" * 40)  # full-width zeros
def test_any_text_is_an_account_or_a_bad_address(text: str) -> None:
    try:
        account = parse_account(text)
    except BadAddress:
        return
    assert account.address == to_checksum_address(account.address)
    assert set(account.address[2:]) <= set(string.hexdigits)
    assert account.chain_id is None or 0 <= account.chain_id < 2**63


# ------------------------------------------------------- verification proofs --

kinds = st.text(min_size=1).filter(lambda k: ":" not in k)
bodies = st.text(min_size=1).filter(lambda b: "::uid::" not in b and not b.endswith(":"))


@given(kind=kinds, body=bodies, uid=st.none() | st.text(min_size=1))
def test_a_proof_reads_back_as_its_parts(kind: str, body: str, uid: str | None) -> None:
    text = f"{kind}:{body}" + (f"::uid::{uid}" if uid is not None else "")
    assert parse_proof(text) == Proof(kind=kind, body=body, uid=uid)


@given(text=st.text())
def test_any_text_is_a_proof_or_a_bad_proof_format(text: str) -> None:
    try:
        proof = parse_proof(text)
    except PayloadError as exc:
        assert exc.reason == RejectReason.BAD_PROOF_FORMAT
        return
    assert proof.kind and proof.body


# --------------------------------------------------- identities and payloads --

short = st.text(max_size=20)
payloads = st.fixed_dictionaries(
    {
        "notification": st.fixed_dictionaries(
            {"title": st.text(max_size=TITLE_MAX), "body": st.text(max_size=BODY_MAX)}
        ),
        "data": st.fixed_dictionaries(
            {"type": st.sampled_from(["1", "3", "4"])},
            optional={"asub": st.text(max_size=ASUB_MAX), "acta": short, "aimg": short},
        ),
    },
    optional={"recipients": st.lists(short, max_size=3)},
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(payload=payloads)
def test_an_inline_payload_reads_back_as_itself(payload: dict[str, Any]) -> None:
    identity = parse_identity("2+" + json.dumps(payload))
    assert identity == Identity(2, "2+" + json.dumps(payload), payload)


@given(
    ntype=st.sampled_from(["1", "3", "4"]),
    title=st.text(max_size=TITLE_MAX).filter(lambda t: "+" not in t),
    body=st.text(max_size=BODY_MAX),
)
def test_a_minimal_identity_reads_back_as_its_fields(ntype: str, title: str, body: str) -> None:
    identity = parse_identity(f"0+{ntype}+{title}+{body}")
    assert identity.payload == {
        "notification": {"title": title, "body": body},
        "data": {"type": ntype},
    }


@given(
    text=st.text() | st.tuples(st.sampled_from(["0+", "1+", "2+", "3+"]), st.text()).map("".join)
)
@example(text=SUPERSCRIPT_TWO + "+{}")
@example(text=HUGE_INT + "+x")
@example(text="2+" + DEEP_JSON)
@example(text='2+{"notification": ' + HUGE_INT + "}")
@example(text="2+NaN")
def test_any_text_is_an_identity_or_a_payload_error(text: str) -> None:
    try:
        identity = parse_identity(text)
    except PayloadError as exc:
        assert exc.reason in (
            RejectReason.BAD_IDENTITY,
            RejectReason.BAD_PAYLOAD,
            RejectReason.PAYLOAD_TOO_LARGE,
        )
        return
    assert identity.storage_type in (0, 1, 2, 3)


@given(value=json_values)
def test_any_json_after_type_2_is_a_payload_or_a_bad_payload(value: Any) -> None:
    try:
        identity = parse_identity("2+" + json.dumps(value))
    except PayloadError as exc:
        assert exc.reason == RejectReason.BAD_PAYLOAD
        return
    assert identity.payload == value


@given(payload=st.dictionaries(st.sampled_from(["notification", "data", "x"]), json_values))
def test_check_payload_accepts_or_names_a_bad_payload(payload: dict[str, Any]) -> None:
    try:
        check_payload(payload)
    except PayloadError as exc:
        assert exc.reason == RejectReason.BAD_PAYLOAD


# ---------------------------------------------------------- opt-in messages --


@given(
    message=st.text() | st.dictionaries(st.text(max_size=12), json_values, max_size=5),
    proof=st.text(),
    action=st.sampled_from(["Subscribe", "Unsubscribe"]),
)
@example(message=DEEP_JSON, proof="eip712v2:0x00", action="Subscribe")
@example(message='{"action": ' + HUGE_INT + "}", proof="eip712v2:0x00", action="Subscribe")
def test_any_opt_in_request_is_read_or_refused_with_a_reason(
    message: str | dict[str, Any], proof: str, action: str
) -> None:
    try:
        optin = parse_optin(message, proof, action)
    except PayloadError:
        return
    assert isinstance(optin, OptIn)
    assert optin.action == action


# ---------------------------------------------------- CIDs and Kafka records --


@given(text=st.text() | st.text(alphabet="bafkrei234567abcdefghijklmnopqrstuvwxyz"))
def test_any_text_is_a_cid_or_a_value_error(text: str) -> None:
    try:
        cid = parse_cid(text)
    except ValueError:
        return
    assert cid.version in (0, 1)


@given(value=st.binary() | json_values.map(lambda v: json.dumps(v).encode()))
@example(value=DEEP_JSON.encode())
@example(value=HUGE_INT.encode())
@example(value=b'{"type": ' + HUGE_INT.encode() + b"}")
@example(value=b"\xff\xfe")
@settings(max_examples=200)
def test_any_record_value_is_an_envelope_or_malformed(value: bytes) -> None:
    try:
        envelope = from_record(value)
    except MalformedEvent:
        return
    assert isinstance(envelope, Envelope)


@given(
    type_header=st.binary(max_size=20),
    body=st.sampled_from([b"{}", b'{"type": "ChannelCreated"}']),
)
def test_any_type_header_is_read_or_refused_as_malformed(type_header: bytes, body: bytes) -> None:
    with pytest.raises(MalformedEvent):
        from_record(body, [("type", type_header)])


@given(identity=st.text(), chain_id=st.integers(min_value=0, max_value=2**63 - 1))
def test_a_record_written_by_to_record_reads_back(identity: str, chain_id: int) -> None:
    created = ChannelCreated(
        channel="0x" + "ab" * 20,
        chain_id=chain_id,
        channel_type=2,
        identity=identity,
        block_number=1,
    )
    envelope = wrap(created, producer="test")
    _, body, headers = to_record(envelope)
    assert from_record(body, headers) == envelope
