"""The peer set: configured peers and peers registered on chain, folded from registry decisions.

Consumes the validator's PeerRegistered, PeerRemoved and PeerRetracted (PeerRefused changes
nothing). Each node's decisions are kept in the order they came (the chain's order, per
node), so a retraction (a reorg dropped the log) takes one out and the one before it counts
again: a moved URL moves back, a removal is undone. A node is never its own peer, and a
configured peer keeps the URL its operator gave.
"""

from __future__ import annotations

from collections.abc import Sequence

from pushnode_shared.protocol.events.base import Event
from pushnode_shared.protocol.events.network import PeerRegistered, PeerRemoved, PeerRetracted
from pushnode_shared.protocol.network.keys import normalise_address
from pushnode_shared.protocol.network.peers import Peer

DECISIONS = (PeerRegistered, PeerRemoved, PeerRetracted)


class PeerBook:
    """Who this node asks and answers: a pure fold, the same on every start."""

    def __init__(self, own: str, configured: Sequence[Peer] = ()) -> None:
        self.own = normalise_address(own)
        self.configured = {p.address: p for p in configured if p.address != self.own}
        # node -> [(observation, url or None for removed)], in the order decided
        self._history: dict[str, list[tuple[str, str | None]]] = {}

    def apply(self, decision: Event) -> bool:
        """Fold one decision in; True if the peer set changed."""
        before = self.peers()
        if isinstance(decision, PeerRegistered | PeerRemoved):
            url = decision.url if isinstance(decision, PeerRegistered) else None
            entries = self._history.setdefault(decision.node, [])
            if all(obs != decision.observation for obs, _ in entries):
                entries.append((decision.observation, url))
        elif isinstance(decision, PeerRetracted):
            entries = self._history.get(decision.node, [])
            self._history[decision.node] = [e for e in entries if e[0] != decision.observation]
        return self.peers() != before

    def registered(self) -> dict[str, str]:
        """Node id -> URL of every node whose latest standing decision registers it."""
        out: dict[str, str] = {}
        for node, entries in self._history.items():
            url = entries[-1][1] if entries else None
            if url is not None and node != self.own:
                out[node] = url
        return out

    def peers(self) -> list[Peer]:
        """Configured peers, then registered ones not configured, by node id."""
        found = dict(self.configured)
        for node, url in self.registered().items():
            if node not in found:
                try:
                    found[node] = Peer(url=url, address=node)
                except ValueError:  # a decision this build's peer rules refuse: not asked
                    continue
        return [found[a] for a in sorted(found)]

    def addresses(self) -> frozenset[str]:
        """The node ids of the current peers."""
        return frozenset(p.address for p in self.peers())
