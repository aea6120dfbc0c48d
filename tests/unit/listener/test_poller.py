"""The poller over an in-memory chain: ranges, confirmations, reorgs, halts, restarts."""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from pushnode_listener.bootstrap import chain_check
from pushnode_shared.protocol.topics import PROTOCOL_INPUTS
from pushnode_shared.testing import InMemoryProducer
from tests.unit.listener.fakechain import FakeChain
from tests.unit.listener.support import (
    CHANNEL,
    cursors,
    observed_users,
    poller,
    projected,
    sync,
    user,
)


def busy_chain(blocks: int, ident: int = 80002) -> FakeChain:
    chain = FakeChain(ident=ident)
    for n in range(1, blocks + 1):
        chain.mine(*[(CHANNEL, user(n * 10 + i)) for i in range(n % 3)])
    return chain


def all_users(chain: FakeChain) -> list[str]:
    return ["0x" + log["topics"][2][-40:] for block in chain.blocks for log in block.logs]


async def test_history_sync_emits_every_log_once_in_chain_order() -> None:
    chain, producer = busy_chain(120), InMemoryProducer()
    await sync(poller(chain, producer, max_range=25))
    assert observed_users(producer) == all_users(chain)
    assert cursors(producer)[-1].payload["block_number"] == 120
    keys = {e.key for e in producer.on(PROTOCOL_INPUTS)}
    assert keys == {CHANNEL}


async def test_refused_ranges_shrink_and_no_block_is_skipped() -> None:
    chain, producer = busy_chain(60), InMemoryProducer()
    chain.max_span = 7
    p = poller(chain, producer, max_range=50)
    await sync(p)
    assert observed_users(producer) == all_users(chain)
    covered = [n for start, end in chain.spans for n in range(start, end + 1)]
    assert covered == list(range(0, 61))
    assert max(end - start + 1 for start, end in chain.spans) <= 7


async def test_crowded_ranges_shrink_and_sparse_ones_grow_back() -> None:
    chain, producer = FakeChain(), InMemoryProducer()
    for n in range(40):
        chain.mine(*[(CHANNEL, user(n * 100 + i)) for i in range(10)])
    chain.mine_empty(400)
    p = poller(chain, producer, max_range=64, target_logs=20)
    await sync(p)
    spans = [end - start + 1 for start, end in chain.spans]
    # 400 logs in the first 64 blocks: 64 * 20 / 400 = 3 blocks; then empty ranges double it.
    assert spans[:6] == [64, 3, 6, 12, 24, 48]
    assert spans[-2] == 64
    assert observed_users(producer) == all_users(chain)


async def test_logs_wait_for_the_configured_confirmations() -> None:
    chain, producer = busy_chain(10), InMemoryProducer()
    p = poller(chain, producer, confirmations=3)
    await sync(p)
    assert cursors(producer)[-1].payload["block_number"] == 7
    assert len(observed_users(producer)) == sum(len(b.logs) for b in chain.blocks[:8])
    chain.mine_empty(3)
    await sync(p)
    assert observed_users(producer) == all_users(chain)


async def test_a_reorg_in_the_window_retracts_then_re_emits_then_moves_the_cursor() -> None:
    chain, producer = busy_chain(10), InMemoryProducer()
    p = poller(chain, producer, finality=8)
    await sync(p)
    before = len(producer.published)
    dropped = [e for e in producer.on(PROTOCOL_INPUTS) if e.payload["block_number"] > 7]
    chain.reorg(3, [(CHANNEL, user(9001))], [], [(CHANNEL, user(9002))])
    chain.mine()
    await sync(p)
    after = producer.published[before:]
    kinds = [e.type for _, e in after]
    n = len(dropped)
    assert kinds[:n] == ["ChainEventRetracted"] * n
    assert kinds[n] == "ChainCursorRewound"
    assert kinds[n + 1 : n + 3] == ["ChainEventObserved"] * 2
    assert kinds[-1] == "ChainCursorAdvanced"
    retracted = [e for _, e in after[:n]]
    assert [r.payload["retracted_event_id"] for r in retracted] == [
        d.event_id for d in reversed(dropped)
    ]
    assert all(r.key == d.key for r, d in zip(retracted, reversed(dropped), strict=True))
    assert [e.payload["args"]["user"] for _, e in after[n + 1 : n + 3]] == [user(9001), user(9002)]
    assert after[n][1].payload["block_number"] == 7
    assert p.halted is None


async def test_a_reorg_deeper_than_finality_halts_the_chain(tmp_path: Path) -> None:
    chain, producer = busy_chain(10, ident=424242), InMemoryProducer()
    p = poller(chain, producer, finality=3)
    await sync(p)
    before = len(producer.published)
    chain.reorg(5, [(CHANNEL, user(7777))])
    chain.mine()
    await sync(p)
    assert p.halted is not None and "deeper than finality" in p.halted
    assert len(producer.published) == before  # nothing emitted, nothing retracted
    chain.mine_empty(5)
    assert await p.step() is False
    assert len(producer.published) == before
    gauge = REGISTRY.get_sample_value("pushnode_listener_halted", {"chain": "424242"})
    assert gauge == 1.0
    ready, reason = await chain_check(p)()
    assert not ready and "halted: reorg deeper than finality" in reason


async def test_a_lagging_rpc_reporting_a_lower_head_is_not_a_reorg() -> None:
    chain, producer = busy_chain(20), InMemoryProducer()
    p = poller(chain, producer)
    await sync(p)
    before = len(producer.published)
    chain.lag_head = 12
    assert await p.step() is False
    chain.lag_head = None
    chain.mine((CHANNEL, user(5555)))
    await sync(p)
    kinds = [e.type for _, e in producer.published[before:]]
    assert "ChainEventRetracted" not in kinds and "ChainCursorRewound" not in kinds
    assert observed_users(producer)[-1] == user(5555)
    assert p.halted is None


async def test_a_flaky_rpc_still_yields_every_log_exactly_once() -> None:
    chain, producer = busy_chain(80), InMemoryProducer()
    chain.fail_rate = 0.5
    await sync(poller(chain, producer, max_range=9), max_steps=5000)
    assert observed_users(producer) == all_users(chain)


async def test_a_restart_resumes_from_the_projection_with_no_gap_and_no_duplicate(
    tmp_path: Path,
) -> None:
    chain, first = busy_chain(40), InMemoryProducer()
    p = poller(chain, first, max_range=10)
    for _ in range(2):  # two ranges, then the process dies
        await p.step()
    chain.mine_empty(5)
    resume = await projected(tmp_path, cursors(first), chain.ident)
    assert resume.cursor == 19
    second = InMemoryProducer()
    await sync(poller(chain, second, resume=resume, max_range=10))
    ids = [e.event_id for e in first.on(PROTOCOL_INPUTS) + second.on(PROTOCOL_INPUTS)]
    assert len(ids) == len(set(ids))
    assert observed_users(first) + observed_users(second) == all_users(chain)


async def test_a_restarted_listener_still_retracts_a_reorg_of_blocks_emitted_before(
    tmp_path: Path,
) -> None:
    chain, first = busy_chain(12), InMemoryProducer()
    await sync(poller(chain, first, finality=8))
    dropped = [e for e in first.on(PROTOCOL_INPUTS) if e.payload["block_number"] > 9]
    resume = await projected(tmp_path, cursors(first), chain.ident)
    assert [b.number for b in resume.blocks] == list(range(5, 13))
    chain.reorg(3, [(CHANNEL, user(4242))])
    chain.mine()
    second = InMemoryProducer()
    await sync(poller(chain, second, resume=resume, finality=8))
    retracted = [e for e in second.on(PROTOCOL_INPUTS) if e.type == "ChainEventRetracted"]
    assert {r.payload["retracted_event_id"] for r in retracted} == {d.event_id for d in dropped}
    rewound = await projected(tmp_path / "again", cursors(first) + cursors(second), chain.ident)
    assert rewound.cursor == 13
    assert rewound.blocks[-1].hash == chain.blocks[13].hash


@pytest.mark.parametrize("reported", [80002, 1])
async def test_an_rpc_of_another_chain_halts_only_that_chain(reported: int) -> None:
    chain, producer = busy_chain(3), InMemoryProducer()
    p = poller(chain, producer)
    chain.ident = reported
    p.chain = p.chain.model_copy(update={"chain_id": 80002})
    await sync(p)
    assert (p.halted is None) == (reported == 80002)


async def test_a_crowded_window_is_recorded_in_records_small_enough_for_kafka(
    tmp_path: Path,
) -> None:
    chain, producer = FakeChain(), InMemoryProducer()
    for n in range(4):
        chain.mine(*[(CHANNEL, user(n * 10_000 + i)) for i in range(1500)])
    p = poller(chain, producer, finality=8, max_range=10, target_logs=100_000)
    await sync(p)
    recorded = [e for e in cursors(producer) if e.type == "ChainBlocksRecorded"]
    sizes = [sum(len(b["logs"]) for b in e.payload["blocks"]) for e in recorded]
    assert sizes == [1500, 1500, 1500, 1500]  # one crowded block a record (genesis joins one)
    assert len({e.event_id for e in recorded}) == len(recorded)
    resume = await projected(tmp_path, cursors(producer), chain.ident)
    assert [len(b.logs) for b in resume.blocks] == [0, 1500, 1500, 1500, 1500]
