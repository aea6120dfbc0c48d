"""A node's replica of every origin's records: contiguous frontiers, waiting records, evidence.

Pure and in memory: the simulation and the property tests run it as is; a service keeps the
same rules with its records on the log. A record is accepted only at `frontier + 1` and only
if it links to the record before it, so the frontier never moves past a gap; a record further
ahead waits (bounded) until the gap is filled, from whichever peer has the missing ones.
Inputs of records at or after an origin's first proven equivocation are not applied, on any
node: honest nodes may hold different branches past that point, and none of them is chosen.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum

from pushnode_shared.protocol.network.evidence import (
    Evidence,
    EvidenceKind,
    Judge,
    broken_chain,
    equivocation,
    invalid_input,
    is_valid,
)
from pushnode_shared.protocol.network.records import GENESIS, BadRecord, NodeRecord, check_signature
from pushnode_shared.protocol.network.records import input_problem as _input_problem

MAX_PENDING = 4096


class Outcome(StrEnum):
    """What adding one record did."""

    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    PENDING = "pending"
    REFUSED = "refused"
    CONFLICT = "conflict"


@dataclass
class Added:
    """The outcome, the records that became contiguous (in order) and any new evidence."""

    outcome: Outcome
    accepted: list[NodeRecord] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    # Accepted records whose input is valid and new to this node (to be relayed once).
    fresh: list[NodeRecord] = field(default_factory=list)


@dataclass
class Snapshot:
    """What rollback needs to undo adds (records only ever append; the rest is small)."""

    lengths: dict[str, int]
    waiting: dict[str, dict[int, NodeRecord]]
    evidence: dict[str, Evidence]
    invalid: set[str]
    heads: dict[str, tuple[int, str]]
    inputs: list[str]


class ReplicaLog:
    """Every known origin's accepted records, waiting records and evidence, held in memory."""

    def __init__(self, origins: Iterable[str], *, judge: Judge | None = None) -> None:
        self.origins = frozenset(origins)
        self.judge = judge
        self._records: dict[str, list[NodeRecord]] = {o: [] for o in self.origins}
        self._waiting: dict[str, dict[int, NodeRecord]] = {o: {} for o in self.origins}
        self._evidence: dict[str, Evidence] = {}
        self._invalid: set[str] = set()  # hashes of records whose input is refused
        self._heads: dict[str, tuple[int, str]] = {o: (0, GENESIS) for o in self.origins}
        self._inputs: set[str] = set()  # input ids of applied records
        self._journal: list[str] | None = None  # input ids added since the open snapshot

    def add_origin(self, origin: str) -> None:
        """Keep records of one more origin from now on (a peer that joined); a known one stays."""
        if origin not in self.origins:
            self.origins = self.origins | {origin}
            self._records[origin], self._waiting[origin] = [], {}
            self._heads[origin] = (0, GENESIS)

    def snapshot(self) -> Snapshot:
        """Mark the state, so a failed publish can put it back (one snapshot at a time)."""
        self._journal = []
        return Snapshot(
            lengths={o: len(r) for o, r in self._records.items()},
            waiting={o: dict(w) for o, w in self._waiting.items()},
            evidence=dict(self._evidence),
            invalid=set(self._invalid),
            heads=dict(self._heads),
            inputs=self._journal,
        )

    def rollback(self, snap: Snapshot) -> None:
        """Back to the snapshot."""
        for origin, length in snap.lengths.items():
            del self._records[origin][length:]
        self._waiting, self._evidence = snap.waiting, snap.evidence
        self._invalid, self._heads = snap.invalid, snap.heads
        self._inputs.difference_update(snap.inputs)
        self._journal = None

    def frontier(self) -> dict[str, int]:
        """Per origin, the highest sequence number with nothing missing below it."""
        return {origin: seq for origin, (seq, _) in self._heads.items()}

    def heads(self) -> dict[str, tuple[int, str]]:
        """Per origin, the frontier and the hash of the record there (kept, not recomputed)."""
        return dict(self._heads)

    def head_hash(self, origin: str, seq: int) -> str:
        """Hash of the accepted record at (origin, seq); GENESIS for seq 0."""
        return GENESIS if seq == 0 else self._records[origin][seq - 1].hash

    def records_after(self, origin: str, after: int, limit: int) -> list[NodeRecord]:
        """Up to `limit` accepted records of `origin` after sequence number `after`."""
        return self._records.get(origin, [])[max(after, 0) : max(after, 0) + limit]

    def evidence(self) -> list[Evidence]:
        """All evidence held, in id order."""
        return [self._evidence[k] for k in sorted(self._evidence)]

    def banned_from(self, origin: str) -> int | None:
        """The first sequence number of `origin` whose input is not applied (equivocation)."""
        seqs = [
            e.seq
            for e in self._evidence.values()
            if e.origin == origin and e.kind != EvidenceKind.INVALID_INPUT
        ]
        return min(seqs, default=None)

    def add(self, record: NodeRecord) -> Added:
        """Take one record from anywhere: accept, wait, ignore or refuse it (see the module)."""
        try:
            check_signature(record)
        except BadRecord:
            return Added(Outcome.REFUSED)
        if record.origin not in self.origins:
            return Added(Outcome.REFUSED)
        have = self._records[record.origin]
        if record.seq <= len(have):
            return self._known(have[record.seq - 1], record)
        if record.seq > len(have) + 1:
            return self._wait(record)
        return self._extend(record)

    def add_evidence(self, evidence: Evidence) -> bool:
        """Keep evidence found elsewhere if it holds and is about a known origin; True if new."""
        if evidence.origin not in self.origins or evidence.id in self._evidence:
            return False
        if not is_valid(evidence, self.judge):
            return False
        self._keep(evidence)
        return True

    def _known(self, held: NodeRecord, record: NodeRecord) -> Added:
        if held.hash == record.hash:
            return Added(Outcome.DUPLICATE)
        return Added(Outcome.CONFLICT, evidence=self._keep(equivocation(held, record)))

    def _wait(self, record: NodeRecord) -> Added:
        waiting = self._waiting[record.origin]
        other = waiting.get(record.seq)
        if other is not None:
            if other.hash == record.hash:
                return Added(Outcome.DUPLICATE)
            return Added(Outcome.CONFLICT, evidence=self._keep(equivocation(other, record)))
        if len(waiting) >= MAX_PENDING:  # far ahead of a gap: fetched again once it is filled
            return Added(Outcome.REFUSED)
        waiting[record.seq] = record
        return Added(Outcome.PENDING)

    def _extend(self, record: NodeRecord) -> Added:
        added = Added(Outcome.ACCEPTED)
        have, waiting = self._records[record.origin], self._waiting[record.origin]
        nxt: NodeRecord | None = record
        while nxt is not None:
            if nxt.prev != self.head_hash(nxt.origin, nxt.seq - 1):
                before = have[-1] if have else None
                added.evidence += self._keep(broken_chain(before, nxt))
                if not added.accepted:
                    added.outcome = Outcome.CONFLICT
                break
            have.append(nxt)
            self._heads[nxt.origin] = (nxt.seq, nxt.hash)
            added.accepted.append(nxt)
            problems = self._judge(nxt)
            added.evidence += problems
            if not problems and self.applies(nxt) and nxt.input_id not in self._inputs:
                self._inputs.add(nxt.input_id)
                if self._journal is not None:
                    self._journal.append(nxt.input_id)
                added.fresh.append(nxt)
            nxt = waiting.pop(nxt.seq + 1, None)
        return added

    def _judge(self, record: NodeRecord) -> list[Evidence]:
        reason = _input_problem(record)
        if reason is None and self.judge is not None:
            reason = self.judge(record.kind, record.input)
        if reason is None:
            return []
        return self._keep(invalid_input(record, reason))

    def _keep(self, evidence: Evidence) -> list[Evidence]:
        if evidence.id in self._evidence:
            return []
        self._evidence[evidence.id] = evidence
        if evidence.kind == EvidenceKind.INVALID_INPUT:
            self._invalid.add(evidence.records[0].hash)
        return [evidence]

    def applies(self, record: NodeRecord) -> bool:
        """Whether an accepted record's input counts (valid, before any ban of its origin)."""
        banned = self.banned_from(record.origin)
        return record.hash not in self._invalid and (banned is None or record.seq < banned)

    def applied(self) -> Iterator[NodeRecord]:
        """The accepted records whose inputs count: valid, and before any ban of their origin."""
        for origin, records in sorted(self._records.items()):
            banned = self.banned_from(origin)
            for record in records:
                if banned is not None and record.seq >= banned:
                    break
                if record.hash not in self._invalid:
                    yield record
