"""The node network's facts: records this node holds (its own and its peers') and evidence."""

from __future__ import annotations

from pushnode_shared.protocol.events.base import Event, register
from pushnode_shared.protocol.network.evidence import Evidence
from pushnode_shared.protocol.network.records import NodeRecord


@register
class NodeRecordAppended(Event):
    """A record became contiguous in this node's copy of its origin's log (own or relayed).

    The topic is also the per-origin frontier checkpoint: the highest `seq` per origin on
    it is the frontier, committed in the one transaction that relayed the record's input.
    """

    TYPE = "NodeRecordAppended"

    record: NodeRecord

    def key(self) -> str:
        return self.record.origin


@register
class PeerMisbehaved(Event):
    """Evidence that an origin node signed what no honest node signs (see network.evidence)."""

    TYPE = "PeerMisbehaved"

    evidence: Evidence

    def key(self) -> str:
        return self.evidence.origin


class _RegistryDecision(Event):
    """A decision on one NodeRegistry log: the node it is about and the observation judged."""

    node: str  # the node id (its checksummed address)
    chain_id: int
    observation: str  # event id of the ChainEventObserved it judged (named by a retraction)

    def key(self) -> str:
        return self.node


@register
class PeerRegistered(_RegistryDecision):
    """The validator accepted a NodeRegistered log: `node` is reachable at `url` (a move if
    it was registered already)."""

    TYPE = "PeerRegistered"

    url: str


@register
class PeerRemoved(_RegistryDecision):
    """The validator accepted a NodeRemoved log: `node` is no longer a registered peer."""

    TYPE = "PeerRemoved"


@register
class PeerRefused(_RegistryDecision):
    """A NodeRegistered log the validator refused (a URL no node may be asked at), and why."""

    TYPE = "PeerRefused"

    url: str
    reason: str


@register
class PeerRetracted(_RegistryDecision):
    """The chain dropped the registry log of `observation`: its decision no longer counts."""

    TYPE = "PeerRetracted"
