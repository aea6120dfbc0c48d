"""Adaptive eth_getLogs ranges: shrink on refusals and crowded ranges, grow back when sparse."""

from __future__ import annotations

import pytest

from pushnode_listener.ranges import AdaptiveRange


def test_a_refusal_halves_the_range_down_to_one_block() -> None:
    ranges = AdaptiveRange(max_size=8, target_logs=100)
    sizes = []
    while ranges.refused():
        sizes.append(ranges.size)
    assert sizes == [4, 2, 1]
    assert ranges.size == 1


def test_a_crowded_range_shrinks_in_proportion_to_the_target() -> None:
    ranges = AdaptiveRange(max_size=1000, target_logs=100)
    ranges.observed(blocks=1000, logs=500)
    assert ranges.size == 200


def test_a_sparse_full_range_doubles_up_to_the_maximum() -> None:
    ranges = AdaptiveRange(max_size=100, target_logs=100, size=10)
    for _ in range(5):
        ranges.observed(blocks=ranges.size, logs=0)
    assert ranges.size == 100


def test_a_short_range_at_the_head_does_not_grow_the_size() -> None:
    ranges = AdaptiveRange(max_size=100, target_logs=100, size=10)
    ranges.observed(blocks=3, logs=0)
    assert ranges.size == 10


def test_a_moderate_range_keeps_its_size() -> None:
    ranges = AdaptiveRange(max_size=100, target_logs=100, size=10)
    ranges.observed(blocks=10, logs=60)
    assert ranges.size == 10


def test_sizes_below_one_are_refused() -> None:
    with pytest.raises(ValueError):
        AdaptiveRange(max_size=0, target_logs=1)
