"""Evidence against an origin node: records it signed that no honest node would sign.

Evidence is self-contained: anyone holding it can check it against the origin's signatures
alone (and, for an invalid client input, by judging the input again), so it travels between
nodes like records do, and every node comes to hold the same set.

- equivocation: two different records at one (origin, seq);
- broken-chain: a record whose `prev` is not the hash of the origin's record before it (or a
  first record whose `prev` is not zeros), so the origin signed two histories;
- invalid-input: a record whose input is unreadable, has a wrong input id, or was refused by
  the validator (the reason names why; every node judges the same input the same way).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from pushnode_shared.protocol.network.inputs import canonical_json, sha256_hex
from pushnode_shared.protocol.network.records import (
    GENESIS,
    BadRecord,
    NodeRecord,
    check_signature,
    input_problem,
)

# A judge answers why an input (kind, canonical text) is invalid, or None if it is valid.
Judge = Callable[[str, str], str | None]


class EvidenceKind(StrEnum):
    """What the origin did wrong."""

    EQUIVOCATION = "equivocation"
    BROKEN_CHAIN = "broken-chain"
    INVALID_INPUT = "invalid-input"


class Evidence(BaseModel):
    """Proof that `origin` misbehaved at `seq` (the PeerMisbehaved fact's body)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: EvidenceKind
    origin: str
    seq: int
    records: Annotated[list[NodeRecord], Field(min_length=1, max_length=2)]
    reason: Annotated[str, Field(max_length=500)] = ""

    @property
    def id(self) -> str:
        """The same evidence found by two nodes has one id."""
        parts = [self.kind.value, self.origin, self.seq, [r.hash for r in self.records]]
        return sha256_hex(canonical_json(parts))


def equivocation(a: NodeRecord, b: NodeRecord) -> Evidence:
    """Two records the origin signed at one sequence number, in a canonical order."""
    first, second = sorted((a, b), key=lambda r: r.hash)
    return Evidence(
        kind=EvidenceKind.EQUIVOCATION, origin=a.origin, seq=a.seq, records=[first, second]
    )


def broken_chain(before: NodeRecord | None, after: NodeRecord) -> Evidence:
    """`after` does not link to `before` (None: a first record with a non-zero prev)."""
    records = [after] if before is None else [before, after]
    seq = after.seq if before is None else before.seq
    return Evidence(kind=EvidenceKind.BROKEN_CHAIN, origin=after.origin, seq=seq, records=records)


def invalid_input(record: NodeRecord, reason: str) -> Evidence:
    """The origin signed a record of an input that every node refuses."""
    return Evidence(
        kind=EvidenceKind.INVALID_INPUT,
        origin=record.origin,
        seq=record.seq,
        records=[record],
        reason=reason[:500],
    )


def is_valid(evidence: Evidence, judge: Judge | None = None) -> bool:
    """Whether the evidence proves what it says (judge: the input rules, for invalid-input)."""
    try:
        for record in evidence.records:
            check_signature(record)
    except BadRecord:
        return False
    if any(r.origin != evidence.origin for r in evidence.records):
        return False
    return _CHECKS[evidence.kind](evidence, judge)


def _equivocation_holds(evidence: Evidence, _judge: Judge | None) -> bool:
    if len(evidence.records) != 2:
        return False
    a, b = evidence.records
    return a.seq == b.seq == evidence.seq and a.hash != b.hash


def _broken_chain_holds(evidence: Evidence, _judge: Judge | None) -> bool:
    if len(evidence.records) == 1:
        (only,) = evidence.records
        return only.seq == 1 == evidence.seq and only.prev != GENESIS
    before, after = evidence.records
    return before.seq + 1 == after.seq and before.seq == evidence.seq and after.prev != before.hash


def _invalid_input_holds(evidence: Evidence, judge: Judge | None) -> bool:
    record = evidence.records[0]
    if len(evidence.records) != 1 or record.seq != evidence.seq:
        return False
    if input_problem(record) is not None:
        return True
    return judge is not None and judge(record.kind, record.input) is not None


_CHECKS: dict[EvidenceKind, Callable[[Evidence, Judge | None], bool]] = {
    EvidenceKind.EQUIVOCATION: _equivocation_holds,
    EvidenceKind.BROKEN_CHAIN: _broken_chain_holds,
    EvidenceKind.INVALID_INPUT: _invalid_input_holds,
}
