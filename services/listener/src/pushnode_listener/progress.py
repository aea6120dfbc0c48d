"""Per-chain sync progress: Prometheus metrics and a periodic structured log line."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from prometheus_client import Counter, Gauge

from pushnode_shared.infra.logging import get_logger

log = get_logger(__name__)

BLOCKS = Counter("pushnode_listener_blocks_total", "Blocks emitted past", ["chain"])
LOGS = Counter("pushnode_listener_logs_total", "Logs emitted as ChainEventObserved", ["chain"])
BLOCKS_RATE = Gauge(
    "pushnode_listener_blocks_per_second", "Blocks/s over the last interval", ["chain"]
)
LOGS_RATE = Gauge("pushnode_listener_logs_per_second", "Logs/s over the last interval", ["chain"])
CURSOR = Gauge("pushnode_listener_cursor_block", "Last block emitted past", ["chain"])
HEAD = Gauge("pushnode_listener_head_block", "Head the RPC last reported", ["chain"])
DISTANCE = Gauge(
    "pushnode_listener_distance_to_head", "Blocks between the cursor and the safe head", ["chain"]
)
RANGE = Gauge("pushnode_listener_range_blocks", "Blocks the next eth_getLogs asks for", ["chain"])
REORGS = Counter("pushnode_listener_reorgs_total", "Reorgs handled by retraction", ["chain"])
RETRACTED = Counter(
    "pushnode_listener_logs_retracted_total", "Logs retracted after a reorg", ["chain"]
)
HALTED = Gauge(
    "pushnode_listener_halted", "1 when a reorg deeper than finality stopped the chain", ["chain"]
)
# A sync further than this from the safe head counts as long: it gets a progress line.
LONG_SYNC_BLOCKS = 100


@dataclass
class Progress:
    """Rates over `interval` seconds; logs a line per interval while far from the head."""

    chain_id: int
    interval: float = 10.0
    clock: Callable[[], float] = time.monotonic
    _since: float = field(default=-1.0)
    _blocks: int = 0
    _logs: int = 0

    @property
    def chain(self) -> str:
        """The metric label."""
        return str(self.chain_id)

    def emitted(self, blocks: int, logs: int, cursor: int, safe_head: int, range_size: int) -> None:
        """A range was emitted; update gauges, and every interval the rates and the log line."""
        BLOCKS.labels(self.chain).inc(blocks)
        LOGS.labels(self.chain).inc(logs)
        CURSOR.labels(self.chain).set(cursor)
        DISTANCE.labels(self.chain).set(max(0, safe_head - cursor))
        RANGE.labels(self.chain).set(range_size)
        now = self.clock()
        if self._since < 0:
            self._since = now
        self._blocks, self._logs = self._blocks + blocks, self._logs + logs
        elapsed = now - self._since
        if elapsed < self.interval:
            return
        blocks_s, logs_s = self._blocks / elapsed, self._logs / elapsed
        BLOCKS_RATE.labels(self.chain).set(blocks_s)
        LOGS_RATE.labels(self.chain).set(logs_s)
        self._since, self._blocks, self._logs = now, 0, 0
        if safe_head - cursor > LONG_SYNC_BLOCKS:
            log.info(
                "sync progress",
                chain=self.chain_id,
                cursor=cursor,
                safe_head=safe_head,
                distance=safe_head - cursor,
                blocks_per_s=round(blocks_s, 1),
                logs_per_s=round(logs_s, 1),
                range_blocks=range_size,
            )

    def head(self, head: int, safe_head: int, cursor: int) -> None:
        """The RPC reported a head."""
        HEAD.labels(self.chain).set(head)
        DISTANCE.labels(self.chain).set(max(0, safe_head - cursor))

    def reorg(self, retracted: int) -> None:
        """A reorg within the window was handled."""
        REORGS.labels(self.chain).inc()
        RETRACTED.labels(self.chain).inc(retracted)

    def halted(self, value: bool) -> None:
        """Set or clear the halt gauge."""
        HALTED.labels(self.chain).set(1 if value else 0)
