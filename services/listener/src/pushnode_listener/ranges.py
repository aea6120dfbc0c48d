"""Adaptive eth_getLogs block ranges: shrink on refusals and crowded ranges, grow when sparse."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class AdaptiveRange:
    """How many blocks the next eth_getLogs asks for; pure, so the rules are unit-tested.

    A refusal ("too many results", a timeout) halves the size; a range that returned more than
    `target_logs` shrinks it in proportion (graph-node's triggers-per-range rule); a range with
    under a quarter of the target doubles it, up to `max_size`. A block is never skipped: the
    size only decides where the next range ends.
    """

    max_size: int
    target_logs: int
    size: int = 0

    def __post_init__(self) -> None:
        if self.max_size < 1 or self.target_logs < 1:
            raise ValueError("max_size and target_logs must be at least 1")
        self.size = self.max_size if self.size <= 0 else min(self.size, self.max_size)

    def refused(self) -> bool:
        """The RPC refused the last range; False when it was already a single block."""
        if self.size == 1:
            return False
        self.size = max(1, self.size // 2)
        return True

    def observed(self, blocks: int, logs: int) -> None:
        """A range of `blocks` blocks returned `logs` logs."""
        if logs > self.target_logs:
            self.size = max(1, min(self.size, blocks * self.target_logs // logs))
        elif logs * 4 < self.target_logs and blocks >= self.size:
            # Only a full-size range says something about density; a short one at the head does not.
            self.size = min(self.max_size, self.size * 2)


@dataclass
class Tuning:
    """Per-chain knobs beyond ChainConfig."""

    max_range: int = 2000
    finality: int = 64
    target_logs: int = 1000
    # With a live newHeads subscription, still poll this often in case a notification is lost.
    safety_poll_seconds: float = 10.0
