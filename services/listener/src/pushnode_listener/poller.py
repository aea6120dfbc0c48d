"""Follows one chain: logs of the Push contracts in block ranges, then a cursor checkpoint.

Per range, the decoded logs are published (ids derived from chain, tx hash and log index, so
a re-emission after a crash is the same event), then ChainCursorAdvanced. On start the cursor
comes from the chain-cursors projection, so a restart resumes right after the last checkpoint.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from pushnode_listener.adapters.chain import ChainRpc
from pushnode_listener.domain import decode_log
from pushnode_shared.chains import ChainConfig
from pushnode_shared.consumer import TRANSIENT
from pushnode_shared.envelope import Envelope, derive_id
from pushnode_shared.events import ChainCursorAdvanced, wrap
from pushnode_shared.kafka import Producer
from pushnode_shared.logging import get_logger
from pushnode_shared.topics import CHAIN_CURSORS, PROTOCOL_INPUTS, Topic

log = get_logger(__name__)
PRODUCER = "listener"


class ChainPoller:
    """One chain's follow loop."""

    def __init__(
        self,
        chain: ChainConfig,
        rpc: ChainRpc,
        producer: Producer,
        load_cursor: Callable[[], Awaitable[int | None]],
        max_range: int,
    ) -> None:
        self.chain, self.rpc, self.producer = chain, rpc, producer
        self.load_cursor, self.max_range = load_cursor, max_range
        self.next_block: int | None = None
        self.head: int | None = None

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until stop; RPC faults back off and retry the same range (nothing skipped)."""
        backoff = 1.0
        while not stop.is_set():
            try:
                progressed = await self.step()
                backoff = 1.0
            except TRANSIENT as exc:
                log.warning("chain step failed", chain=self.chain.chain_id, error=repr(exc))
                progressed, backoff = False, min(backoff * 2, 30.0)
                await _sleep(stop, backoff)
                continue
            if not progressed:
                await _sleep(stop, self.chain.poll_seconds)

    async def step(self) -> bool:
        """Emit one range if the safe head moved; False when there was nothing to do."""
        if self.next_block is None:
            if await self.rpc.chain_id() != self.chain.chain_id:
                raise RuntimeError(f"RPC {self.chain.rpc_url} is not chain {self.chain.chain_id}")
            cursor = await self.load_cursor()
            self.next_block = self.chain.start_block if cursor is None else cursor + 1
        self.head = await self.rpc.head()
        safe = self.head - self.chain.confirmations
        if safe < self.next_block:
            return False
        end = min(safe, self.next_block + self.max_range - 1)
        await self.emit_range(self.next_block, end)
        self.next_block = end + 1
        return True

    async def emit_range(self, start: int, end: int) -> None:
        """Publish decoded logs of [start, end] in chain order, then the checkpoint."""
        addresses = [a for a in (self.chain.core, self.chain.comm) if a]
        raw = await self.rpc.logs(addresses, start, end)
        facts = [f for f in (decode_log(self.chain.chain_id, r) for r in raw) if f is not None]
        facts.sort(key=lambda f: (f.block_number, f.log_index))
        items: list[tuple[Topic, Envelope]] = [
            (
                PROTOCOL_INPUTS,
                wrap(
                    f,
                    producer=PRODUCER,
                    event_id=derive_id("chain-log", str(f.chain_id), f.tx_hash, str(f.log_index)),
                ),
            )
            for f in facts
        ]
        await self.producer.publish_many(items)
        cursor = ChainCursorAdvanced(
            chain_id=self.chain.chain_id,
            block_number=end,
            block_hash=await self.rpc.block_hash(end),
            logs_emitted=len(facts),
        )
        ident = derive_id("cursor", str(self.chain.chain_id), str(end))
        await self.producer.publish(CHAIN_CURSORS, wrap(cursor, producer=PRODUCER, event_id=ident))
        if facts:
            log.info(
                "logs emitted", chain=self.chain.chain_id, start=start, end=end, logs=len(facts)
            )


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
