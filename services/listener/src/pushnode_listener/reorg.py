"""Reorg handling: find the fork point inside the window, and the events that undo the rest."""

from __future__ import annotations

from pushnode_listener.adapters.chain import ChainReader
from pushnode_listener.domain import PRODUCER, retractions
from pushnode_listener.window import BlockWindow
from pushnode_shared.infra.consumer import TransientError
from pushnode_shared.infra.envelope import Envelope, derive_id
from pushnode_shared.protocol.events import wrap
from pushnode_shared.protocol.events.chain import ChainCursorRewound, EmittedBlock


class DeepReorg(Exception):
    """The fork point is not in the window: deeper than finality, so the chain halts."""


async def find_fork(rpc: ChainReader, window: BlockWindow) -> EmittedBlock:
    """The newest recorded block still canonical; walks the window down, contiguously."""
    blocks = window.newest_first()
    if not blocks:
        raise DeepReorg("reorg detected but no recorded block to compare with")
    tip, expected = blocks[0], blocks[0].number
    for block in blocks:
        if block.number != expected:
            break  # a gap: blocks below it were final when emitted and were not recorded
        canonical = await rpc.header(block.number)
        if canonical is None:  # a lagging RPC: wait, this is not a reorg
            raise TransientError(f"block {block.number} not available while finding the fork")
        if canonical.hash == block.hash:
            return block
        expected -= 1
    raise DeepReorg(
        f"reorg deeper than finality: no block from {tip.number} down to {expected + 1} "
        f"is canonical any more (window {window.depth} blocks)"
    )


def rewind_events(
    chain_id: int, fork: EmittedBlock, dropped: list[EmittedBlock]
) -> tuple[list[Envelope], Envelope]:
    """Retractions of the dropped blocks' logs, and the ChainCursorRewound checkpoint."""
    retracted = retractions(chain_id, dropped)
    dropped_to = max((b.number for b in dropped), default=fork.number)
    rewound = ChainCursorRewound(
        chain_id=chain_id,
        block_number=fork.number,
        block_hash=fork.hash,
        dropped_to=dropped_to,
        logs_retracted=len(retracted),
    )
    tip_hash = dropped[-1].hash if dropped else fork.hash
    ident = derive_id("rewind", str(chain_id), str(fork.number), tip_hash)
    return retracted, wrap(rewound, producer=PRODUCER, event_id=ident)
