"""Follows one chain: Push logs in adaptive block ranges up to the safe head, reorg-checked.

Per range: the headers near the head are read and linked to the last block emitted (parent
hash); the decoded logs are published to protocol-inputs (ids from chain, tx hash and log
index, so a re-emission is the same event); then the recorded blocks (the reorg window) and
the ChainCursorAdvanced checkpoint go to chain-cursors. On start the cursor and the window come
from the chain-cursors projection, so a restart resumes right after the last checkpoint.

A parent-hash mismatch is a reorg: the logs of the dropped blocks are retracted (newest first),
the cursor is rewound to the fork point, and the canonical range is emitted as usual. A fork
point outside the window (deeper than finality) halts this chain instead.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from pushnode_listener.adapters.chain import ChainReader, RangeTooLarge
from pushnode_listener.adapters.heads import NewHeads
from pushnode_listener.domain import PRODUCER, Header, decode_log
from pushnode_listener.emission import range_records
from pushnode_listener.progress import Progress
from pushnode_listener.ranges import AdaptiveRange, Tuning
from pushnode_listener.reorg import DeepReorg, find_fork, rewind_events
from pushnode_listener.window import BlockWindow
from pushnode_shared.infra.consumer import TRANSIENT, TransientError
from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.infra.logging import get_logger
from pushnode_shared.infra.redact import redact_urls
from pushnode_shared.protocol.chains import ChainConfig
from pushnode_shared.protocol.events import ChainEventObserved
from pushnode_shared.protocol.events.chain import EmittedBlock
from pushnode_shared.protocol.topics import CHAIN_CURSORS, PROTOCOL_INPUTS, Topic

log = get_logger(__name__)
__all__ = ["PRODUCER", "ChainPoller", "Publisher", "Resume", "Tuning"]


class Publisher(Protocol):
    """The part of the Kafka producer the poller uses."""

    async def publish(self, topic: Topic, envelope: Envelope) -> None: ...
    async def publish_many(self, items: Sequence[tuple[Topic, Envelope]]) -> None: ...


@dataclass(frozen=True)
class Resume:
    """Where a chain stands on the log: last checkpointed block and the recorded window."""

    cursor: int | None
    blocks: list[EmittedBlock] = field(default_factory=list)


class ChainPoller:
    """One chain's follow loop."""

    def __init__(
        self,
        chain: ChainConfig,
        rpc: ChainReader,
        producer: Publisher,
        load_resume: Callable[[], Awaitable[Resume]],
        tuning: Tuning,
        heads: NewHeads | None = None,
    ) -> None:
        self.chain, self.rpc, self.producer, self.heads = chain, rpc, producer, heads
        self.safety_poll = tuning.safety_poll_seconds
        self.load_resume, self.finality = load_resume, tuning.finality
        self.ranges = AdaptiveRange(tuning.max_range, tuning.target_logs)
        self.window = BlockWindow(tuning.finality)
        self.progress = Progress(chain.chain_id)
        self.next_block: int | None = None
        self.head: int | None = None
        self.halted: str | None = None
        self._prefetch: asyncio.Task[list[dict[str, Any]]] | None = None
        self._prefetched = (-1, -1)

    async def run(self, stop: asyncio.Event) -> None:
        """Follow until stop; RPC faults back off and retry the same range (nothing skipped)."""
        heads = asyncio.create_task(self.heads.run()) if self.heads is not None else None
        try:
            await self._loop(stop)
        finally:
            if self._prefetch is not None:
                _discard(self._prefetch)
            if heads is not None:
                heads.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await heads

    async def _loop(self, stop: asyncio.Event) -> None:
        backoff = 1.0
        while not stop.is_set():
            if self.heads is not None:
                self.heads.arrived.clear()  # a head announced from here on wakes the next wait
            try:
                progressed = await self.step()
                backoff = 1.0
            except Exception as exc:  # a bug or a malformed answer too: this chain retries
                backoff = min(backoff * 2, 30.0)
                self._log_failed_step(exc, backoff)
                await _sleep(stop, backoff)
                continue
            if self.halted is not None:
                await stop.wait()  # halted for good: /readyz and the gauge say why
            elif not progressed:
                await self._wait_for_head(stop)

    def _log_failed_step(self, exc: Exception, backoff: float) -> None:
        """A transient failure (the RPC node, the network) is a warning; anything else is
        logged with its traceback: a bug or a malformed answer, never silenced."""
        where = {"chain": self.chain.chain_id, "next_block": self.next_block, "retry_in_s": backoff}
        if isinstance(exc, TRANSIENT):
            log.warning("chain step failed, backing off", error=str(exc), **where)
        else:
            log.exception("chain step crashed, backing off", **where)

    async def _wait_for_head(self, stop: asyncio.Event) -> None:
        """Until the websocket announces a block, or the poll interval when it is down."""
        if self.heads is None or not self.heads.connected:
            await _sleep(stop, self.chain.poll_seconds)
            return
        arrived = asyncio.create_task(self.heads.arrived.wait())
        stopped = asyncio.create_task(stop.wait())
        _, pending = await asyncio.wait(
            {arrived, stopped}, timeout=self.safety_poll, return_when=asyncio.FIRST_COMPLETED
        )
        for task in pending:
            task.cancel()

    async def step(self) -> bool:
        """Emit (or reorg-correct) one range; False when there was nothing to do."""
        if self.halted is not None:
            return False
        if self.next_block is None and not await self._start():
            return False
        assert self.next_block is not None
        self.head = head = await self.rpc.head()
        safe = head - self.chain.confirmations
        self.progress.head(head, safe, self.next_block - 1)
        if safe < self.next_block:  # nothing new, or a lagging RPC behind us: never a reorg
            return False
        start, end = self.next_block, min(safe, self.next_block + self.ranges.size - 1)
        logs = self._logs(start, end)  # in flight while the headers are read
        try:
            headers = await self._headers(start, end, head)
            tip = self.window.tip
            if (
                tip is not None
                and tip.number == start - 1
                and headers[start].parent_hash != tip.hash
            ):
                await self._reorg()
                return True
            raw = await logs
        except RangeTooLarge:
            if not self.ranges.refused():
                raise
            return True
        finally:
            _discard(logs)
        facts = self._decode(raw, headers)
        self.ranges.observed(end - start + 1, len(facts))
        if end < safe:  # syncing: the next range's logs come while this one is published
            self._prefetched = (end + 1, min(safe, end + self.ranges.size))
            self._prefetch = self._logs(*self._prefetched)
        await self._emit(start, end, facts, headers, safe)
        return True

    def _forked(self, first: Header) -> bool:
        """The range's first block does not sit on the last block recorded before it."""
        tip = self.window.tip
        return tip is not None and tip.number == first.number - 1 and first.parent_hash != tip.hash

    def _logs(self, start: int, end: int) -> asyncio.Task[list[dict[str, Any]]]:
        """The logs of [start, end]: the prefetched request if it is for that range."""
        prefetch, self._prefetch = self._prefetch, None
        if prefetch is not None and self._prefetched == (start, end):
            return prefetch
        if prefetch is not None:
            _discard(prefetch)
        return asyncio.ensure_future(self.rpc.logs(self._addresses(), start, end))

    async def _start(self) -> bool:
        reported = await self.rpc.chain_id()
        if reported != self.chain.chain_id:
            self._halt(f"RPC {self.chain.rpc_url} is chain {reported}, not {self.chain.chain_id}")
            return False
        resume = await self.load_resume()
        self.next_block = self.chain.start_block if resume.cursor is None else resume.cursor + 1
        # Blocks recorded after the last checkpoint were not checkpointed: they come again.
        self.window.record([b for b in resume.blocks if b.number < self.next_block])
        log.info("chain resumed", chain=self.chain.chain_id, next_block=self.next_block)
        return True

    def _addresses(self) -> list[str]:
        return [a for a in (self.chain.core, self.chain.comm, self.chain.node_registry) if a]

    async def _headers(self, start: int, end: int, head: int) -> dict[int, Header]:
        """Headers of the range's ends and of every block within finality of the head."""
        wanted = sorted({start, end} | set(range(max(start, head - self.finality + 1), end + 1)))
        headers: dict[int, Header] = {}
        for number in wanted:
            header = await self.rpc.header(number)
            if header is None:  # a lagging RPC: wait, this is not a reorg
                raise TransientError(f"block {number} not available yet")
            previous = headers.get(number - 1)
            if previous is not None and header.parent_hash != previous.hash:
                raise TransientError(f"chain moved while reading block {number}")
            headers[number] = header
        return headers

    def _decode(self, raw: list[dict[str, Any]], headers: dict[int, Header]) -> list[Any]:
        facts = [f for f in (decode_log(self.chain.chain_id, r) for r in raw) if f is not None]
        for fact in facts:
            header = headers.get(fact.block_number)
            if header is not None and header.hash != fact.block_hash:
                raise TransientError(f"chain moved while reading logs of {fact.block_number}")
        return sorted(facts, key=lambda f: (f.block_number, f.log_index))

    async def _emit(
        self,
        start: int,
        end: int,
        facts: list[ChainEventObserved],
        headers: dict[int, Header],
        safe: int,
    ) -> None:
        """Publish the logs in chain order, then the recorded blocks, then the checkpoint.

        All in one publish_many: with the transactional publisher that is one Kafka transaction.
        """
        blocks, items = range_records(self.chain.chain_id, self.finality, end, facts, headers)
        await self.producer.publish_many(items)
        self.window.record(blocks)
        self.next_block = end + 1
        self.progress.emitted(end - start + 1, len(facts), end, safe, self.ranges.size)
        if facts:
            log.info(
                "logs emitted", chain=self.chain.chain_id, start=start, end=end, logs=len(facts)
            )

    async def _reorg(self) -> None:
        """Retract the dropped blocks' logs and rewind to the fork point, or halt if too deep."""
        try:
            fork = await find_fork(self.rpc, self.window)
        except DeepReorg as exc:
            self._halt(str(exc))
            return
        dropped = self.window.drop_above(fork.number)
        if not dropped:  # the tip is canonical after all: the chain moved between two reads
            return
        retracted, rewound = rewind_events(self.chain.chain_id, fork, dropped)
        await self.producer.publish_many(
            [(PROTOCOL_INPUTS, e) for e in retracted] + [(CHAIN_CURSORS, rewound)]
        )
        self.next_block = fork.number + 1
        self.progress.reorg(len(retracted))
        log.warning(
            "reorg handled",
            chain=self.chain.chain_id,
            fork_block=fork.number,
            dropped=[b.number for b in dropped],
            logs_retracted=len(retracted),
        )

    def _halt(self, reason: str) -> None:
        # The reason reaches /readyz and the console: an RPC URL in it keeps only its host.
        reason = redact_urls(reason)
        self.halted = reason
        self.progress.halted(True)
        log.error("chain halted", chain=self.chain.chain_id, reason=reason)


def _discard(task: asyncio.Task[Any]) -> None:
    """Cancel a request no longer wanted, and swallow its outcome (no "never retrieved")."""
    if not task.done():
        task.cancel()
    task.add_done_callback(lambda t: t.cancelled() or t.exception())


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
