"""In-memory ports of the replication engine: a replica over ReplicaLog and a network of them.

Shipped beside the real adapters (the listener's Kafka replica, the HTTP transport) so the
unit tests and the 20-node simulation run the very engine the services run. Links can be cut,
nodes stopped, and each answer delayed by a random number of event-loop turns, so concurrent
pulls interleave in many orders.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from typing import Any, Protocol

from pushnode_shared.protocol.network.evidence import Evidence
from pushnode_shared.protocol.network.log import Added, ReplicaLog
from pushnode_shared.protocol.network.records import NodeRecord
from pushnode_shared.protocol.network.replication import FrontierEntry, PeerUnreachable


class LocalReplica:
    """The Replica port over an in-memory ReplicaLog (also what a node serves to peers)."""

    def __init__(self, log: ReplicaLog) -> None:
        self.log = log
        self.origins = log.origins

    async def heads(self) -> dict[str, FrontierEntry]:
        return served_frontier(self.log)

    async def hash_at(self, origin: str, seq: int) -> str | None:
        if not 0 < seq <= self.log.heads().get(origin, (0, ""))[0]:
            return None
        return self.log.head_hash(origin, seq)

    async def add_records(self, records: Sequence[NodeRecord]) -> list[Added]:
        return [self.log.add(r) for r in records]

    async def add_evidence(self, evidence: Sequence[Evidence]) -> int:
        return sum(self.log.add_evidence(e) for e in evidence)


def served_frontier(log: ReplicaLog) -> dict[str, FrontierEntry]:
    """A log's frontier with head hashes, as GET /node/records' peers see it."""
    return {o: FrontierEntry(s, h) for o, (s, h) in log.heads().items() if s}


class Server(Protocol):
    """What one node answers its peers (an honest node serves its ReplicaLog)."""

    def frontier(self, asker: str) -> dict[str, FrontierEntry]: ...

    def records(self, asker: str, origin: str, after: int, limit: int) -> list[Any]: ...

    def evidence(self, asker: str) -> list[Any]: ...


class HonestServer:
    """Serves exactly what the log holds, as JSON-like values (what HTTP would carry)."""

    def __init__(self, log: ReplicaLog) -> None:
        self.log = log

    def frontier(self, asker: str) -> dict[str, FrontierEntry]:
        return served_frontier(self.log)

    def records(self, asker: str, origin: str, after: int, limit: int) -> list[Any]:
        return [r.model_dump() for r in self.log.records_after(origin, after, limit)]

    def evidence(self, asker: str) -> list[Any]:
        return [e.model_dump(mode="json") for e in self.log.evidence()]


class MemoryNetwork:
    """Nodes by id, cut links, stopped nodes; hands each node a Transport into the rest."""

    def __init__(self, seed: int = 0, max_delay: int = 0) -> None:
        self.servers: dict[str, Server] = {}
        self.cut: set[frozenset[str]] = set()
        self.down: set[str] = set()
        self.rng = random.Random(seed)
        self.max_delay = max_delay

    def transport(self, asker: str) -> MemoryTransport:
        """The Transport `asker` pulls through."""
        return MemoryTransport(self, asker)

    async def reach(self, asker: str, peer: str) -> Server:
        """The peer's server after a random delay; PeerUnreachable across a cut or when down."""
        for _ in range(self.rng.randint(0, self.max_delay)):
            await asyncio.sleep(0)
        if asker in self.down or peer in self.down or frozenset((asker, peer)) in self.cut:
            raise PeerUnreachable(peer)
        server = self.servers.get(peer)
        if server is None:
            raise PeerUnreachable(peer)
        return server


class MemoryTransport:
    """The Transport port over a MemoryNetwork."""

    def __init__(self, network: MemoryNetwork, asker: str) -> None:
        self.network, self.asker = network, asker

    async def frontier(self, peer: str) -> dict[str, FrontierEntry]:
        return (await self.network.reach(self.asker, peer)).frontier(self.asker)

    async def records(self, peer: str, origin: str, after: int, limit: int) -> list[Any]:
        server = await self.network.reach(self.asker, peer)
        return server.records(self.asker, origin, after, limit)

    async def evidence(self, peer: str) -> list[Any]:
        return (await self.network.reach(self.asker, peer)).evidence(self.asker)
