"""Facts the listener observed on EVM chains (decoded logs, retractions, cursor checkpoints)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from pushnode_shared.protocol.events.base import ChainKeyed, ChannelKeyed, register


@register
class ChainEventObserved(ChannelKeyed):
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


@register
class ChainCursorAdvanced(ChainKeyed):
    """The listener emitted every log up to and including this block."""

    TYPE = "ChainCursorAdvanced"

    chain_id: int
    block_number: int
    block_hash: str
    logs_emitted: int


@register
class ChainEventRetracted(ChannelKeyed):
    """A log the listener emitted fell out of the canonical chain (a reorg): undo it.

    It is keyed by the channel like the ChainEventObserved it retracts, so it lands after it in
    the same partition. `retracted_event_id` is the event id of that observation.
    """

    TYPE = "ChainEventRetracted"

    chain_id: int
    contract: str
    event: str
    block_number: int
    block_hash: str
    tx_hash: str
    log_index: int
    channel: str
    retracted_event_id: str


class EmittedLog(BaseModel):
    """Enough of an emitted log to retract it later."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    contract: str
    event: str
    tx_hash: str
    log_index: int
    channel: str


class EmittedBlock(BaseModel):
    """A block the listener emitted past, with its hash and the logs it emitted from it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    number: int
    hash: str
    parent_hash: str
    logs: tuple[EmittedLog, ...] = ()


@register
class ChainBlocksRecorded(ChainKeyed):
    """Recent blocks the listener emitted past: its reorg-detection window, kept on the log.

    The cursor projection keeps the last `window` blocks of each chain, so a restarted
    listener still knows which hashes (and which logs) it emitted near the head.
    """

    TYPE = "ChainBlocksRecorded"

    chain_id: int
    blocks: tuple[EmittedBlock, ...]
    window: int


@register
class ChainCursorRewound(ChainKeyed):
    """A reorg dropped blocks above `block_number` (the fork point); their logs were retracted."""

    TYPE = "ChainCursorRewound"

    chain_id: int
    block_number: int
    block_hash: str
    dropped_to: int
    logs_retracted: int
