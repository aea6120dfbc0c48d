"""Per-chain progress metrics and the RPC answers that shrink an eth_getLogs range."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from pushnode_listener.adapters.chain import RangeTooLarge, _rpc_error
from pushnode_listener.progress import Progress


def sample(name: str, chain: str) -> float | None:
    return REGISTRY.get_sample_value(name, {"chain": chain})


def test_rates_and_distance_are_exported_per_chain() -> None:
    now = [0.0]
    progress = Progress(chain_id=990001, interval=10, clock=lambda: now[0])
    progress.emitted(blocks=100, logs=50, cursor=100, safe_head=5000, range_size=100)
    now[0] = 10.0
    progress.emitted(blocks=100, logs=150, cursor=200, safe_head=5000, range_size=100)
    assert sample("pushnode_listener_blocks_per_second", "990001") == 20.0
    assert sample("pushnode_listener_logs_per_second", "990001") == 20.0
    assert sample("pushnode_listener_distance_to_head", "990001") == 4800
    assert sample("pushnode_listener_blocks_total", "990001") == 200
    assert sample("pushnode_listener_cursor_block", "990001") == 200


@pytest.mark.parametrize(
    "error",
    [
        {"code": -32005, "message": "limit exceeded"},
        {"code": -32000, "message": "query returned more than 10000 results"},
        {"code": -32602, "message": "Log response size exceeded."},
        {"code": -32000, "message": "block range is too wide"},
        {"code": -32000, "message": "request timed out"},
    ],
)
def test_answers_meaning_too_much_shrink_the_range(error: dict[str, object]) -> None:
    assert isinstance(_rpc_error("eth_getLogs", error), RangeTooLarge)


def test_other_errors_are_plain_transient_faults() -> None:
    assert not isinstance(
        _rpc_error("eth_getLogs", {"code": -32603, "message": "internal error"}), RangeTooLarge
    )
    assert not isinstance(
        _rpc_error("eth_blockNumber", {"message": "limit exceeded"}), RangeTooLarge
    )
