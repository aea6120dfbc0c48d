"""The listener's peers at run time: PUSHNODE_PEERS and the registry decisions on node-records.

The records fold hands every Peer* decision to `apply`, in log order, so a node that joined is
an origin before any of its records is folded (on every start, too). Who is asked changes
only between pull rounds (`sync`), so a round never loses a peer it is talking to.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from pushnode_shared.infra.logging import get_logger
from pushnode_shared.protocol.events import Event
from pushnode_shared.protocol.network.log import ReplicaLog
from pushnode_shared.protocol.network.peerbook import PeerBook
from pushnode_shared.protocol.network.peers import Peer
from pushnode_shared.protocol.network.replication import Replica, Replicator

log = get_logger(__name__)


class PeerUrls(Protocol):
    """Where the transport reaches each peer (HttpTransport)."""

    def set_peers(self, peers: Sequence[Peer]) -> None: ...


class LivePeers:
    """The peer book, and what follows from it: known origins, asked peers and their URLs."""

    def __init__(self, book: PeerBook, replica: ReplicaLog) -> None:
        self.book, self.replica = book, replica
        self._follow()
        self._changed = True

    def apply(self, decision: Event) -> None:
        """Fold one registry decision in (the caller holds the replica's lock)."""
        if self.book.apply(decision):
            self._follow()
            self._changed = True

    def _follow(self) -> None:
        for address in sorted(self.book.addresses()):
            self.replica.add_origin(address)

    def sync(self, replica: Replica, transport: PeerUrls, replicator: Replicator) -> None:
        """Between rounds: ask the current peers, at their current URLs, for every origin."""
        if not self._changed:
            return
        peers = self.book.peers()
        replica.origins = self.replica.origins
        transport.set_peers(peers)
        replicator.set_peers([p.address for p in peers])
        self._changed = False
        log.info("peers", peers=[f"{p.address} {p.url}" for p in peers])
