"""Arrival order changes nothing: shuffled and duplicated records give one frontier and one state.

Hypothesis draws which records exist (three origins, some inputs posted through two origins,
one input the judge refuses), an order and duplicates, and feeds them to a fresh replica log.
"""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from pushnode_shared.protocol.network.keys import NodeKey
from pushnode_shared.protocol.network.log import ReplicaLog
from pushnode_shared.protocol.network.origin import OriginWriter, state_hash
from pushnode_shared.protocol.network.records import NodeRecord

from .builders import forged_upload, judge, upload

KEYS = [NodeKey.generate() for _ in range(3)]
ORIGINS = [k.address for k in KEYS]


def records_of(plan: list[list[int]]) -> list[NodeRecord]:
    """Per origin, records of the drawn input numbers (input 13 is one the judge refuses)."""
    out: list[NodeRecord] = []
    for key, inputs in zip(KEYS, plan, strict=False):
        writer = OriginWriter(key)
        for n in inputs:
            made = forged_upload(str(n)) if n == 13 else upload(str(n))
            out.append(writer.record(*made, received_at=n))
    return out


def fold(records: list[NodeRecord]) -> ReplicaLog:
    log = ReplicaLog(ORIGINS, judge=judge)
    for record in records:
        log.add(record)
    return log


plans = st.lists(st.lists(st.integers(0, 20), max_size=8), min_size=1, max_size=3)


@settings(max_examples=60, deadline=None)
@given(plan=plans, seed=st.integers(0, 2**32), copies=st.integers(0, 10))
def test_any_order_with_duplicates_gives_the_same_frontier_records_evidence_and_state(
    plan: list[list[int]], seed: int, copies: int
) -> None:
    records = records_of(plan)
    rng = random.Random(seed)
    shuffled = records + [rng.choice(records) for _ in range(copies)] if records else []
    rng.shuffle(shuffled)
    in_order, any_order = fold(records), fold(shuffled)
    assert any_order.frontier() == in_order.frontier()
    assert list(any_order.applied()) == list(in_order.applied())
    assert [e.id for e in any_order.evidence()] == [e.id for e in in_order.evidence()]
    assert state_hash(any_order.applied()) == state_hash(in_order.applied())


@settings(max_examples=40, deadline=None)
@given(plan=plans, seed=st.integers(0, 2**32))
def test_an_input_posted_through_two_origins_counts_once(plan: list[list[int]], seed: int) -> None:
    records = records_of(plan)
    once = {n for inputs in plan for n in inputs if n != 13}
    log = fold(random.Random(seed).sample(records, len(records)))
    assert state_hash(log.applied()) == state_hash(records_of([sorted(once)]))


@settings(max_examples=40, deadline=None)
@given(fork=st.integers(1, 5), seed=st.integers(0, 2**32))
def test_an_equivocating_origin_gives_the_same_state_whichever_branch_came_first(
    fork: int, seed: int
) -> None:
    branch_a = records_of([[*range(fork), 100, 101]])
    branch_b = records_of([[*range(fork), 200]])
    rng = random.Random(seed)
    mixed = branch_a + branch_b
    rng.shuffle(mixed)
    log = fold(mixed)
    assert log.banned_from(ORIGINS[0]) == fork + 1
    assert state_hash(log.applied()) == state_hash(records_of([list(range(fork))]))
