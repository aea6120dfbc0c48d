"""Adds the network to a listener: the records and peers fold, own records, and pulls from peers."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import httpx

from pushnode_listener.adapters.txproducer import TransactionalPublisher
from pushnode_listener.network.fold import RecordsFold
from pushnode_listener.network.peers import LivePeers
from pushnode_listener.network.recorder import OwnRecorder
from pushnode_listener.network.replica import PRODUCER, KafkaReplica
from pushnode_listener.network.transport import HttpTransport
from pushnode_shared.infra.logging import get_logger
from pushnode_shared.infra.service import Node
from pushnode_shared.protocol.network.keys import NodeKey
from pushnode_shared.protocol.network.log import ReplicaLog
from pushnode_shared.protocol.network.peerbook import PeerBook
from pushnode_shared.protocol.network.peers import Peer
from pushnode_shared.protocol.network.relay import admission_problem
from pushnode_shared.protocol.network.replication import Replicator

log = get_logger(__name__)
PULL_TIMEOUT_SECONDS = 10.0


def add_network(
    node: Node, bootstrap: str, key: NodeKey, peers: list[Peer], interval: float
) -> Replicator:
    """Wire the three loops into `node` (they start with it); returns the replicator."""
    # One line per pull is noise: httpx logs each request at INFO.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    replica = ReplicaLog([key.address, *(p.address for p in peers)], judge=admission_problem)
    live = LivePeers(PeerBook(key.address, peers), replica)
    lock = asyncio.Lock()
    fold = RecordsFold(bootstrap, replica, lock, live)
    publisher = TransactionalPublisher(bootstrap, "pushnode-listener-network", PRODUCER)
    client = httpx.AsyncClient(timeout=PULL_TIMEOUT_SECONDS, follow_redirects=False)
    node.resources.push_async_callback(client.aclose)
    node.resources.push_async_callback(publisher.stop)
    transport = HttpTransport(key, peers, client)
    kafka_replica = KafkaReplica(replica, publisher, lock)
    replicator = Replicator(kafka_replica, [p.address for p in peers], transport)
    recorder = OwnRecorder(bootstrap, key, replica, fold.reach_end, lock)

    async def pull(stop: asyncio.Event) -> None:
        await publisher.start()  # fences a killed predecessor's open relay transaction
        await fold.caught_up.wait()
        while not stop.is_set():
            live.sync(kafka_replica, transport, replicator)
            try:
                await replicator.round()
            except Exception:  # the broker away: the same pages come again next round
                log.warning("replication round failed", exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)

    node.tasks += [fold.run, recorder.run, pull]

    async def frontier_known() -> tuple[bool, str]:
        return fold.caught_up.is_set(), f"records folded to offset {fold.position}"

    node.readiness.checks["network"] = frontier_known
    return replicator
