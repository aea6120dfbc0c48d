"""A record is checked against its origin alone; a wrong input id is the origin's fault."""

from __future__ import annotations

import pytest

from pushnode_shared.protocol.network.keys import NodeKey
from pushnode_shared.protocol.network.records import GENESIS, BadRecord, input_problem, read_record

from .builders import chain

KEY = NodeKey.generate()


def test_a_signed_record_reads_back_from_its_json() -> None:
    (record,) = chain(KEY, ["a"])
    assert read_record(record.model_dump()) == record
    assert record.prev == GENESIS and record.seq == 1
    assert input_problem(record) is None


@pytest.mark.parametrize(
    "change",
    [{"seq": 2}, {"received_at": 9}, {"input": '{"cid":"b2","data":"x"}'}, {"prev": "1" * 64}],
)
def test_a_record_changed_after_signing_is_refused(change: dict[str, object]) -> None:
    (record,) = chain(KEY, ["a"])
    with pytest.raises(BadRecord):
        read_record(record.model_dump() | change)


def test_a_record_signed_by_another_node_than_its_origin_is_refused() -> None:
    (record,) = chain(KEY, ["a"])
    (other,) = chain(NodeKey.generate(), ["a"])
    with pytest.raises(BadRecord):
        read_record(record.model_dump() | {"signature": other.signature})


def test_an_origin_spelt_in_lower_case_is_refused() -> None:
    (record,) = chain(KEY, ["a"])
    with pytest.raises(BadRecord):
        read_record(record.model_dump() | {"origin": record.origin.lower()})


@pytest.mark.parametrize("value", [None, [], {"origin": "x"}, {"input": "x" * 300_000}, "0" * 10])
def test_anything_that_is_not_a_record_is_refused(value: object) -> None:
    with pytest.raises(BadRecord):
        read_record(value)


def test_a_signed_record_whose_input_id_is_not_its_inputs_is_an_input_problem() -> None:
    from pushnode_shared.protocol.network.records import sign_record

    (good,) = chain(KEY, ["a"])
    record = sign_record(KEY, seq=1, prev=GENESIS, received_at=0, kind=good.kind, data=good.input)
    assert input_problem(record) is None
    assert input_problem(record.model_copy(update={"input_id": "0" * 64})) is not None
