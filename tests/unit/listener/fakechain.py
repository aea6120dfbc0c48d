"""An in-memory EVM chain for the poller's unit tests: mine, reorg, lag and refuse ranges."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from typing import Any

from pushnode_listener.abi import EVENTS
from pushnode_listener.adapters.chain import RangeTooLarge
from pushnode_listener.domain import Header
from pushnode_shared.infra.consumer import TransientError

COMM = "0x9cb3bd7550b5c92baa056fc0f08132f49508145f"
SUBSCRIBE = next(e.topic0 for e in EVENTS if e.name == "Subscribe")


def _hash(*parts: object) -> str:
    return "0x" + hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()


def _word(address: str) -> str:
    return "0x" + "0" * 24 + address[2:]


@dataclass
class Block:
    number: int
    hash: str
    parent_hash: str
    logs: list[dict[str, Any]]


@dataclass
class FakeChain:
    """Blocks 0..head; each mined log is a Comm `Subscribe(channel, user)`."""

    ident: int = 80002
    blocks: list[Block] = field(default_factory=list)
    lag_head: int | None = None  # a lagging RPC reports this head instead
    max_span: int | None = None  # eth_getLogs refuses wider ranges ("more than 10000 results")
    fail_rate: float = 0.0  # this share of calls raises a transient RPC error (seeded)
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    calls: int = 0
    spans: list[tuple[int, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.blocks:
            self.blocks.append(Block(0, _hash("genesis", self.ident), "0x" + "00" * 32, []))

    def mine(self, *subscriptions: tuple[str, str], salt: str = "") -> Block:
        """One block holding a Subscribe log per (channel, user)."""
        parent = self.blocks[-1]
        number = parent.number + 1
        block_hash = _hash(number, parent.hash, salt, subscriptions)
        logs = [
            self._log(number, block_hash, i, channel, user)
            for i, (channel, user) in enumerate(subscriptions)
        ]
        block = Block(number, block_hash, parent.hash, logs)
        self.blocks.append(block)
        return block

    def mine_empty(self, count: int) -> None:
        for _ in range(count):
            self.mine()

    def reorg(self, depth: int, *replacements: list[tuple[str, str]]) -> None:
        """Drop the newest `depth` blocks and mine the replacements (empty blocks to refill)."""
        del self.blocks[-depth:]
        for i in range(max(depth, len(replacements))):
            subs = replacements[i] if i < len(replacements) else []
            self.mine(*subs, salt=f"fork-{depth}")

    def _log(
        self, number: int, block_hash: str, index: int, channel: str, user: str
    ) -> dict[str, Any]:
        return {
            "address": COMM,
            "topics": [SUBSCRIBE, _word(channel), _word(user)],
            "data": "0x",
            "blockNumber": hex(number),
            "blockHash": block_hash,
            "transactionHash": _hash("tx", channel, user),
            "logIndex": hex(index),
        }

    def _tick(self) -> None:
        self.calls += 1
        if self.rng.random() < self.fail_rate:
            raise TransientError("flaky RPC: 502 Bad Gateway")

    async def chain_id(self) -> int:
        self._tick()
        return self.ident

    async def head(self) -> int:
        self._tick()
        return self.blocks[-1].number if self.lag_head is None else self.lag_head

    async def header(self, number: int) -> Header | None:
        self._tick()
        if number >= len(self.blocks) or (self.lag_head is not None and number > self.lag_head):
            return None
        block = self.blocks[number]
        return Header(number=block.number, hash=block.hash, parent_hash=block.parent_hash)

    async def logs(self, addresses: list[str], start: int, end: int) -> list[dict[str, Any]]:
        self._tick()
        if self.max_span is not None and end - start + 1 > self.max_span:
            raise RangeTooLarge("eth_getLogs: query returned more than 10000 results")
        self.spans.append((start, end))
        return [log for b in self.blocks[start : end + 1] for log in b.logs]
