"""The replication engine in memory: gaps heal through any peer, forks between copies are found."""

from __future__ import annotations

from typing import Any

from pushnode_shared.protocol.network.evidence import EvidenceKind
from pushnode_shared.protocol.network.keys import NodeKey
from pushnode_shared.protocol.network.log import ReplicaLog
from pushnode_shared.protocol.network.replication import FrontierEntry, Replicator
from pushnode_shared.protocol.network.testing import HonestServer, LocalReplica, MemoryNetwork

from .builders import chain, judge

A, B, C = (NodeKey.generate() for _ in range(3))
ORIGINS = [A.address, B.address, C.address]


def node(network: MemoryNetwork, key: NodeKey) -> tuple[ReplicaLog, Replicator]:
    log = ReplicaLog(ORIGINS, judge=judge)
    network.servers[key.address] = HonestServer(log)
    peers = [o for o in ORIGINS if o != key.address]
    return log, Replicator(LocalReplica(log), peers, network.transport(key.address))


async def test_a_node_cut_off_from_an_origin_gets_its_records_through_another_peer() -> None:
    network = MemoryNetwork()
    (a_log, _), (_, b_sync), (c_log, c_sync) = (node(network, k) for k in (A, B, C))
    for record in chain(A, ["1", "2", "3"]):
        a_log.add(record)
    network.cut.add(frozenset((A.address, C.address)))
    await c_sync.round()
    assert c_log.frontier()[A.address] == 0
    await b_sync.round()
    await c_sync.round()
    assert c_log.frontier()[A.address] == 3
    assert c_sync.peers[A.address].reachable is False and c_sync.peers[B.address].reachable


async def test_a_node_behind_sees_its_lag_and_catches_up_across_pages() -> None:
    network = MemoryNetwork()
    (a_log, _), (b_log, b_sync), _ = (node(network, k) for k in (A, B, C))
    for record in chain(A, [str(i) for i in range(600)]):
        a_log.add(record)
    await b_sync.round()
    assert b_log.frontier()[A.address] == 600
    assert b_sync.peers[A.address].frontier == {A.address: 600}
    assert b_sync.peers[A.address].lag == 0


class Tampering(HonestServer):
    """Serves every record with its input changed (so its signature no longer holds)."""

    def records(self, asker: str, origin: str, after: int, limit: int) -> list[Any]:
        return [
            r | {"received_at": r["received_at"] + 1}
            for r in super().records(asker, origin, after, limit)
        ]


async def test_records_a_relay_tampered_with_are_refused_and_prove_nothing() -> None:
    network = MemoryNetwork()
    (a_log, _), (b_log, _), (c_log, c_sync) = (node(network, k) for k in (A, B, C))
    for record in chain(A, ["1", "2"]):
        a_log.add(record)
        b_log.add(record)
    network.servers[B.address] = Tampering(b_log)
    network.down.add(A.address)
    await c_sync.round()
    assert c_log.frontier()[A.address] == 0 and c_log.evidence() == []
    network.down.clear()
    await c_sync.round()
    assert c_log.frontier()[A.address] == 2


async def test_two_nodes_holding_different_branches_of_an_origin_find_where_they_fork() -> None:
    network = MemoryNetwork()
    _, (b_log, b_sync), (c_log, c_sync) = (node(network, k) for k in (A, B, C))
    network.down.add(A.address)
    shared = [str(i) for i in range(40)]
    for record in chain(A, [*shared, "b-41", "b-42"]):
        b_log.add(record)
    for record in chain(A, [*shared, "c-41", "c-42"]):
        c_log.add(record)
    await b_sync.round()
    await c_sync.round()
    for replica in (b_log, c_log):
        kinds = {(e.kind, e.seq) for e in replica.evidence()}
        assert (EvidenceKind.EQUIVOCATION, 41) in kinds
        assert replica.banned_from(A.address) == 41


async def test_a_frontier_naming_an_unknown_origin_is_ignored() -> None:
    network = MemoryNetwork()
    (a_log, _), (b_log, b_sync), _ = (node(network, k) for k in (A, B, C))
    stranger = NodeKey.generate()
    server = HonestServer(a_log)
    server.frontier = lambda asker: {stranger.address: FrontierEntry(5, "0" * 64)}  # type: ignore[method-assign]
    network.servers[A.address] = server
    await b_sync.round()
    assert stranger.address not in b_log.frontier()
