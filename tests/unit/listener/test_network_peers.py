"""The listener's live peer set: a node known only from the registry is asked, then dropped."""

from __future__ import annotations

from collections.abc import Sequence

from pushnode_listener.network.peers import LivePeers
from pushnode_shared.protocol.events import PeerRegistered, PeerRemoved
from pushnode_shared.protocol.network.keys import NodeKey
from pushnode_shared.protocol.network.log import ReplicaLog
from pushnode_shared.protocol.network.peerbook import PeerBook
from pushnode_shared.protocol.network.peers import Peer
from pushnode_shared.protocol.network.replication import Replicator
from pushnode_shared.protocol.network.testing import HonestServer, LocalReplica, MemoryNetwork
from tests.unit.network.builders import chain, judge

ME, JOINER = NodeKey.generate(), NodeKey.generate()


class Urls:
    """The transport's URL book, as HttpTransport keeps it."""

    def __init__(self) -> None:
        self.urls: dict[str, str] = {}

    def set_peers(self, peers: Sequence[Peer]) -> None:
        self.urls = {p.address: p.url for p in peers}


def joined(observation: str = "o1") -> PeerRegistered:
    return PeerRegistered(
        node=JOINER.address, chain_id=11155111, observation=observation, url="http://joiner:4100"
    )


async def test_a_peer_known_only_from_the_registry_is_replicated_from() -> None:
    network = MemoryNetwork()
    theirs = ReplicaLog([JOINER.address], judge=judge)
    for record in chain(JOINER, ["1", "2", "3"]):
        theirs.add(record)
    network.servers[JOINER.address] = HonestServer(theirs)
    ours = ReplicaLog([ME.address], judge=judge)
    live, replica, urls = LivePeers(PeerBook(ME.address), ours), LocalReplica(ours), Urls()
    replicator = Replicator(replica, [], network.transport(ME.address))

    live.apply(joined())
    live.sync(replica, urls, replicator)
    await replicator.round()

    assert urls.urls == {JOINER.address: "http://joiner:4100"}
    assert ours.frontier()[JOINER.address] == 3


async def test_a_removed_peer_is_no_longer_asked_but_its_records_stay() -> None:
    ours = ReplicaLog([ME.address], judge=judge)
    live, replica, urls = LivePeers(PeerBook(ME.address), ours), LocalReplica(ours), Urls()
    replicator = Replicator(replica, [], MemoryNetwork().transport(ME.address))
    live.apply(joined())
    live.sync(replica, urls, replicator)
    ours.add(chain(JOINER, ["1"])[0])

    live.apply(PeerRemoved(node=JOINER.address, chain_id=11155111, observation="o2"))
    live.sync(replica, urls, replicator)

    assert urls.urls == {} and list(replicator.peers) == []
    assert ours.frontier()[JOINER.address] == 1
