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
