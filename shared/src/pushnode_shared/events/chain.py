"""Facts the listener observed on EVM chains (decoded logs and cursor checkpoints)."""

from __future__ import annotations

from typing import Any

from pushnode_shared.events.base import Event, register


@register
class ChainEventObserved(Event):
    """A decoded Core/Comm log at a block; the validator alone interprets it."""

    TYPE = "ChainEventObserved"

    chain_id: int
    contract: str
    event: str
    args: dict[str, Any]
    block_number: int
    block_hash: str
    tx_hash: str
    log_index: int
    channel: str

    def key(self) -> str:
        return self.channel


@register
class ChainCursorAdvanced(Event):
    """The listener emitted every log up to and including this block."""

    TYPE = "ChainCursorAdvanced"

    chain_id: int
    block_number: int
    block_hash: str
    logs_emitted: int

    def key(self) -> str:
        return str(self.chain_id)
