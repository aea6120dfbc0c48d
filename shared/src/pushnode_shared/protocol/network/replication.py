"""The replication engine: pull every known origin's records after our frontier from any peer.

Written against two ports, so the services run it over HTTP and Kafka and the tests run it in
memory: a `Transport` asks one peer for its frontier, a page of one origin's records or its
evidence; a `Replica` is this node's copy (frontier, head hashes, add a page, add evidence).
Every origin's records are asked of every reachable peer, so a gap left by an unreachable
origin heals through whichever peer holds the records. When a peer's record at a sequence
number we hold has another hash, the first differing sequence number is found by bisection
(hash links make everything below an equal hash equal), and the pair becomes evidence.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from pushnode_shared.protocol.network.evidence import Evidence
from pushnode_shared.protocol.network.log import Added, Outcome
from pushnode_shared.protocol.network.records import BadRecord, NodeRecord, read_record

PAGE = 256
MAX_PAGES_PER_ORIGIN = 8
MAX_EVIDENCE = 256


class PeerUnreachable(Exception):
    """The peer did not answer, or answered with something that is not the API."""


@dataclass(frozen=True)
class FrontierEntry:
    """An origin's contiguous frontier and the hash of the record there."""

    seq: int
    hash: str


class Transport(Protocol):
    """How this node asks a peer (named by node id) for what it holds."""

    async def frontier(self, peer: str) -> dict[str, FrontierEntry]: ...

    async def records(self, peer: str, origin: str, after: int, limit: int) -> list[Any]: ...

    async def evidence(self, peer: str) -> list[Any]: ...


class Replica(Protocol):
    """This node's copy of the records (the listener's, or ReplicaLog in memory)."""

    origins: frozenset[str]

    async def heads(self) -> dict[str, FrontierEntry]: ...

    async def hash_at(self, origin: str, seq: int) -> str | None: ...

    async def add_records(self, records: Sequence[NodeRecord]) -> list[Added]: ...

    async def add_evidence(self, evidence: Sequence[Evidence]) -> int: ...


@dataclass
class PeerView:
    """What the last round learnt of one peer (served by /node/peers)."""

    node_id: str
    reachable: bool = False
    frontier: dict[str, int] | None = None
    lag: int = 0  # records the peer holds that we do not yet


class Replicator:
    """Runs pull rounds against the configured peers."""

    def __init__(self, replica: Replica, peers: Sequence[str], transport: Transport) -> None:
        self.replica, self.transport = replica, transport
        self.peers = {p: PeerView(p) for p in peers}
        self._rng = random.Random()

    def set_peers(self, peers: Sequence[str]) -> None:
        """Ask these peers from the next round on (between rounds; kept peers keep their view)."""
        self.peers = {p: self.peers.get(p) or PeerView(p) for p in peers}

    async def round(self) -> int:
        """One pull from every peer, in random order; the number of records accepted."""
        order = list(self.peers)
        self._rng.shuffle(order)
        accepted = 0
        for peer in order:
            try:
                accepted += await self.pull(peer)
            except PeerUnreachable:
                self.peers[peer].reachable = False
        return accepted

    async def pull(self, peer: str) -> int:
        """Everything `peer` holds beyond our frontier, for every known origin, and its evidence."""
        theirs = await self.transport.frontier(peer)
        view = self.peers[peer]
        view.reachable = True
        view.frontier = {o: e.seq for o, e in theirs.items() if o in self.replica.origins}
        accepted = 0
        ours = await self.replica.heads()
        for origin in sorted(self.replica.origins):
            entry = theirs.get(origin)
            if entry is not None:
                mine = ours.get(origin, FrontierEntry(0, ""))
                accepted += await self._pull_origin(peer, origin, entry, mine)
        await self._pull_evidence(peer)
        ours = await self.replica.heads()
        view.lag = sum(max(0, s - _seq(ours, o)) for o, s in view.frontier.items())
        return accepted

    async def _pull_origin(
        self, peer: str, origin: str, entry: FrontierEntry, mine: FrontierEntry
    ) -> int:
        ours = mine.seq
        if entry.seq == ours and entry.hash == mine.hash:
            return 0
        if 0 < entry.seq <= ours:
            if await self.replica.hash_at(origin, entry.seq) != entry.hash:
                await self._find_fork(peer, origin, entry.seq)
            return 0
        accepted = 0
        after = ours
        for _ in range(MAX_PAGES_PER_ORIGIN):
            page = await self._page(peer, origin, after, PAGE)
            if not page:
                break
            results = await self.replica.add_records(page)
            accepted += sum(len(r.accepted) for r in results)
            if any(r.outcome == Outcome.CONFLICT for r in results):
                await self._find_fork(peer, origin, min(after + len(page), entry.seq))
                break
            after = page[-1].seq
            if after >= entry.seq:
                break
        return accepted

    async def _page(self, peer: str, origin: str, after: int, limit: int) -> list[NodeRecord]:
        """A verified, in-order page of `origin`'s records; stops at the first bad one."""
        raw = await self.transport.records(peer, origin, after, limit)
        page: list[NodeRecord] = []
        for value in raw[:limit]:
            try:
                record = read_record(value)
            except BadRecord:
                break
            if record.origin != origin or record.seq != after + len(page) + 1:
                break
            page.append(record)
        return page

    async def _find_fork(self, peer: str, origin: str, upto: int) -> None:
        """Bisect for the first sequence number where the peer's copy differs; add it there."""
        low, high = 1, upto
        found: NodeRecord | None = None
        while low <= high:
            mid = (low + high) // 2
            page = await self._page(peer, origin, mid - 1, 1)
            if not page:
                return
            if page[0].hash == await self.replica.hash_at(origin, mid):
                low = mid + 1
            else:
                found, high = page[0], mid - 1
        if found is not None:
            await self.replica.add_records([found])  # a conflict there: equivocation evidence

    async def _pull_evidence(self, peer: str) -> None:
        found: list[Evidence] = []
        for value in (await self.transport.evidence(peer))[:MAX_EVIDENCE]:
            try:
                found.append(Evidence.model_validate(value))
            except ValueError:
                continue
        if found:
            await self.replica.add_evidence(found)


def _seq(heads: dict[str, FrontierEntry], origin: str) -> int:
    entry = heads.get(origin)
    return 0 if entry is None else entry.seq
