"""Twenty nodes on the in-memory transport: cut links, delays, restarts, a late joiner and a forger.

The same Replicator the services run pulls between twenty replica logs while links are cut and
healed, answers are delayed by random event-loop turns (so concurrent pulls interleave), nodes
stop and start, one node joins late with nothing, and one node forges: it signs inputs the
judge refuses, tampers with other origins' records it relays, and serves two branches of its
own log to different peers. After the chaos the links heal (but one origin stays reachable
from a single peer, so its records must travel through others); every honest node must hold
one state hash, the one the honest inputs and the forger's valid pre-fork inputs give, and
evidence against the forger.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

from pushnode_shared.protocol.network.evidence import EvidenceKind
from pushnode_shared.protocol.network.keys import NodeKey
from pushnode_shared.protocol.network.log import ReplicaLog
from pushnode_shared.protocol.network.origin import OriginWriter, state_hash
from pushnode_shared.protocol.network.records import NodeRecord
from pushnode_shared.protocol.network.replication import FrontierEntry, Replicator
from pushnode_shared.protocol.network.testing import HonestServer, LocalReplica, MemoryNetwork

from .builders import forged_upload, judge, upload

NODES, STEPS, FORK = 20, 30, 4
KEYS = [NodeKey.generate() for _ in range(NODES)]
IDS = [k.address for k in KEYS]
FORGER, LATE = IDS[-1], IDS[-2]


class Node:
    """One honest node: its replica log, its own writer and its replicator."""

    def __init__(self, network: MemoryNetwork, key: NodeKey) -> None:
        self.key, self.log = key, ReplicaLog(IDS, judge=judge)
        self.writer = OriginWriter(key)
        network.servers[key.address] = HonestServer(self.log)
        peers = [i for i in IDS if i != key.address]
        self.sync = Replicator(LocalReplica(self.log), peers, network.transport(key.address))

    def admit(self, text: str, at: int) -> NodeRecord:
        record = self.writer.record(*upload(text), received_at=at)
        self.log.add(record)
        return record


class Forger(HonestServer):
    """Serves branch A of its own log to some peers and branch B to the others; tampers relays."""

    def __init__(
        self, log: ReplicaLog, branches: tuple[list[NodeRecord], list[NodeRecord]]
    ) -> None:
        super().__init__(log)
        self.branches = branches

    def _branch(self, asker: str) -> list[NodeRecord]:
        return self.branches[IDS.index(asker) % 2]

    def frontier(self, asker: str) -> dict[str, FrontierEntry]:
        own = self._branch(asker)
        return super().frontier(asker) | {FORGER: FrontierEntry(len(own), own[-1].hash)}

    def records(self, asker: str, origin: str, after: int, limit: int) -> list[Any]:
        if origin == FORGER:
            return [r.model_dump() for r in self._branch(asker)[after : after + limit]]
        served = super().records(asker, origin, after, limit)
        return [r | {"received_at": r["received_at"] + 1} for r in served]


def forger_branches() -> tuple[list[NodeRecord], list[NodeRecord]]:
    """Two histories sharing FORGER's first FORK - 1 records; one input the judge refuses."""
    branches = []
    for name in ("a", "b"):
        writer = OriginWriter(KEYS[-1])
        made = [writer.record(*upload(f"forger-{i}"), received_at=i) for i in range(1, FORK - 1)]
        made.append(writer.record(*forged_upload("forger-bad"), received_at=FORK - 1))
        made += [writer.record(*upload(f"forger-{name}-{i}"), received_at=i) for i in range(3)]
        branches.append(made)
    return branches[0], branches[1]


def chaos(network: MemoryNetwork, rng: random.Random) -> None:
    """Cut or heal a few links; stop or start a few nodes."""
    for _ in range(6):
        a, b = rng.sample(IDS, 2)
        network.cut.symmetric_difference_update({frozenset((a, b))})
    for _ in range(2):
        network.down.symmetric_difference_update({rng.choice(IDS[:-1])})


async def test_twenty_nodes_with_cuts_delays_restarts_and_a_forger_converge_to_one_state() -> None:
    rng = random.Random(17)
    network = MemoryNetwork(seed=17, max_delay=5)
    nodes = {k.address: Node(network, k) for k in KEYS[:-2]}
    branches = forger_branches()
    network.servers[FORGER] = Forger(ReplicaLog(IDS, judge=judge), branches)
    admitted: list[NodeRecord] = []
    for step in range(STEPS):
        chaos(network, rng)
        if step == STEPS // 2:
            nodes[LATE] = Node(network, KEYS[-2])
        for node in rng.sample(list(nodes.values()), 5):
            text = f"input-{rng.randrange(40)}"  # some inputs enter through several nodes
            admitted.append(node.admit(text, step))
        up = [n for n in nodes.values() if n.key.address not in network.down]
        await asyncio.gather(*(n.sync.round() for n in up))
    network.down.clear()
    # Healed, except that IDS[0] is reachable only from IDS[1]: its records travel through others.
    network.cut = {frozenset((IDS[0], other)) for other in IDS[2:]}
    expected = state_hash(admitted + branches[0][: FORK - 2])
    for _ in range(12):
        await asyncio.gather(*(n.sync.round() for n in nodes.values()))
        if all(state_hash(n.log.applied()) == expected for n in nodes.values()):
            break
    for node in nodes.values():
        assert state_hash(node.log.applied()) == expected, node.key.address
        kinds = {e.kind for e in node.log.evidence() if e.origin == FORGER}
        assert kinds >= {EvidenceKind.EQUIVOCATION, EvidenceKind.INVALID_INPUT}
        assert node.log.banned_from(FORGER) == FORK
        assert {o: s for o, s in node.log.frontier().items() if o != FORGER} == {
            o: n.writer.seq for o, n in nodes.items()
        }
