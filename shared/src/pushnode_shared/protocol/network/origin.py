"""The single writer of a node's own records, and the replicated state a set of records means."""

from __future__ import annotations

from collections.abc import Iterable

from pushnode_shared.protocol.network.inputs import canonical_json, sha256_hex
from pushnode_shared.protocol.network.keys import NodeKey
from pushnode_shared.protocol.network.records import GENESIS, NodeRecord, sign_record


class OriginWriter:
    """Numbers and chains this node's own records: gapless from 1, each naming the one before."""

    def __init__(self, key: NodeKey, seq: int = 0, head: str = GENESIS) -> None:
        self.key, self.seq, self.head = key, seq, head

    def record(self, kind: str, data: str, received_at: int) -> NodeRecord:
        """The next own record of canonical input `data` (BadInput if it has no input id)."""
        record = sign_record(
            self.key,
            seq=self.seq + 1,
            prev=self.head,
            received_at=received_at,
            kind=kind,
            data=data,
        )
        self.seq, self.head = record.seq, record.hash
        return record


def input_set(records: Iterable[NodeRecord]) -> dict[str, str]:
    """Input id -> input text; copies of one input that differ (in an unsigned field such as
    the recipient) resolve to the one with the lowest hash, whatever order they came in."""
    chosen: dict[str, str] = {}
    for record in records:
        held = chosen.get(record.input_id)
        if held is None or _rank(record.input) < _rank(held):
            chosen[record.input_id] = record.input
    return chosen


def _rank(text: str) -> str:
    return sha256_hex(text.encode())


def state_hash(records: Iterable[NodeRecord]) -> str:
    """sha256 over the input set in id order: equal for equal sets, whatever the arrival order."""
    inputs = input_set(records)
    return sha256_hex(canonical_json([[k, _rank(inputs[k])] for k in sorted(inputs)]))
