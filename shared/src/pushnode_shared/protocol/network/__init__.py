"""The node network's pure core: node keys, signed records, replica log, evidence, replication."""

from pushnode_shared.protocol.network.evidence import Evidence, EvidenceKind
from pushnode_shared.protocol.network.inputs import BadInput, encode_input, input_id
from pushnode_shared.protocol.network.keys import NodeKey
from pushnode_shared.protocol.network.log import Added, Outcome, ReplicaLog
from pushnode_shared.protocol.network.origin import OriginWriter, state_hash
from pushnode_shared.protocol.network.peers import Peer, parse_peers
from pushnode_shared.protocol.network.records import BadRecord, NodeRecord, read_record
from pushnode_shared.protocol.network.replication import (
    FrontierEntry,
    PeerUnreachable,
    Replica,
    Replicator,
    Transport,
)

__all__ = [
    "Added",
    "BadInput",
    "BadRecord",
    "Evidence",
    "EvidenceKind",
    "FrontierEntry",
    "NodeKey",
    "NodeRecord",
    "OriginWriter",
    "Outcome",
    "Peer",
    "PeerUnreachable",
    "Replica",
    "ReplicaLog",
    "Replicator",
    "Transport",
    "encode_input",
    "input_id",
    "parse_peers",
    "read_record",
    "state_hash",
]
