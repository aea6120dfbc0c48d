"""What one polled range puts on the log: its logs, the recorded blocks, then the checkpoint.

Pure: the same range read twice gives the same records with the same ids, so a range emitted
again after a crash is deduplicated downstream.
"""

from __future__ import annotations

from pushnode_listener.domain import PRODUCER, Header, emitted_block, observed
from pushnode_shared.infra.envelope import Envelope, derive_id
from pushnode_shared.protocol.events import ChainCursorAdvanced, ChainEventObserved, wrap
from pushnode_shared.protocol.events.chain import ChainBlocksRecorded, EmittedBlock
from pushnode_shared.protocol.topics import CHAIN_CURSORS, PROTOCOL_INPUTS, Topic

# Logs per ChainBlocksRecorded record: about 250 bytes each, so well under 1 MB.
RECORDED_LOGS = 2000


def range_records(
    chain_id: int,
    finality: int,
    end: int,
    facts: list[ChainEventObserved],
    headers: dict[int, Header],
) -> tuple[list[EmittedBlock], list[tuple[Topic, Envelope]]]:
    """The range's blocks (for the reorg window) and its records in publishing order."""
    by_block: dict[int, list[ChainEventObserved]] = {}
    for fact in facts:
        by_block.setdefault(fact.block_number, []).append(fact)
    blocks = [emitted_block(h, by_block.get(h.number, [])) for h in headers.values()]
    cursor = ChainCursorAdvanced(
        chain_id=chain_id,
        block_number=end,
        block_hash=headers[end].hash,
        logs_emitted=len(facts),
    )
    ident = str(chain_id), str(end), headers[end].hash
    checkpoint = wrap(cursor, producer=PRODUCER, event_id=derive_id("cursor", *ident))
    items: list[tuple[Topic, Envelope]] = [(PROTOCOL_INPUTS, observed(f)) for f in facts]
    items += [(CHAIN_CURSORS, e) for e in recorded_chunks(chain_id, finality, blocks, ident)]
    items.append((CHAIN_CURSORS, checkpoint))
    return blocks, items


def recorded_chunks(
    chain_id: int, finality: int, blocks: list[EmittedBlock], ident: tuple[str, ...]
) -> list[Envelope]:
    """The window's blocks as ChainBlocksRecorded records of at most RECORDED_LOGS logs.

    A record carries every log of its blocks (to retract them later): split, a crowded
    range stays under Kafka's 1 MB record limit. A block holds together even if bigger.
    """
    chunks: list[list[EmittedBlock]] = [[]]
    for block in blocks:
        if chunks[-1] and sum(len(b.logs) for b in chunks[-1]) + len(block.logs) > RECORDED_LOGS:
            chunks.append([])
        chunks[-1].append(block)
    out = []
    for i, chunk in enumerate(chunks):
        recorded = ChainBlocksRecorded(chain_id=chain_id, blocks=tuple(chunk), window=finality)
        parts = ident if i == 0 else (*ident, str(i))
        out.append(wrap(recorded, producer=PRODUCER, event_id=derive_id("window", *parts)))
    return out
