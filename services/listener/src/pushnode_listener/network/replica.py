"""The Replica port over node-records: a page of peers' records becomes one Kafka transaction.

What became contiguous goes out as NodeRecordAppended (the frontier checkpoint), each new
input as the ordinary submission on its own topic (protocol-inputs, uploads) for the validator
to judge like a local one, and new evidence as PeerMisbehaved: together or not at all. An
input is relayed once per node, whichever origin's record brought it first (input ids). If
the transaction fails, the in-memory log is put back as it was, and the page comes again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from pushnode_listener.adapters.txproducer import TransactionalPublisher
from pushnode_shared.infra.envelope import Envelope, derive_id
from pushnode_shared.infra.logging import get_logger
from pushnode_shared.protocol.events import NodeRecordAppended, PeerMisbehaved, wrap
from pushnode_shared.protocol.network.evidence import Evidence
from pushnode_shared.protocol.network.inputs import BadInput
from pushnode_shared.protocol.network.log import Added, ReplicaLog
from pushnode_shared.protocol.network.records import NodeRecord
from pushnode_shared.protocol.network.relay import relayed
from pushnode_shared.protocol.network.replication import FrontierEntry
from pushnode_shared.protocol.topics import NODE_RECORDS, PROTOCOL_INPUTS, UPLOADS, Topic

log = get_logger(__name__)
PRODUCER = "listener"


def appended(record: NodeRecord) -> Envelope:
    """The NodeRecordAppended envelope of a record; its id is the record's place."""
    event_id = derive_id("node-record", record.origin, str(record.seq))
    return wrap(NodeRecordAppended(record=record), producer=PRODUCER, event_id=event_id)


def misbehaved(evidence: Evidence) -> Envelope:
    """The PeerMisbehaved envelope of some evidence; its id is the evidence's."""
    return wrap(PeerMisbehaved(evidence=evidence), producer=PRODUCER, event_id=evidence.id)


class KafkaReplica:
    """ReplicaLog rules in memory, node-records on Kafka."""

    def __init__(
        self, replica: ReplicaLog, publisher: TransactionalPublisher, lock: asyncio.Lock
    ) -> None:
        self.log, self.publisher, self.lock = replica, publisher, lock
        self.origins = replica.origins

    async def heads(self) -> dict[str, FrontierEntry]:
        return {o: FrontierEntry(s, h) for o, (s, h) in self.log.heads().items() if s}

    async def hash_at(self, origin: str, seq: int) -> str | None:
        if not 0 < seq <= self.log.frontier().get(origin, 0):
            return None
        return self.log.head_hash(origin, seq)

    async def add_records(self, records: Sequence[NodeRecord]) -> list[Added]:
        async with self.lock:
            return await self._add_records(records)

    async def _add_records(self, records: Sequence[NodeRecord]) -> list[Added]:
        snapshot = self.log.snapshot()
        results = [self.log.add(r) for r in records]
        items: list[tuple[Topic, Envelope]] = []
        for result in results:
            items += [(NODE_RECORDS, appended(r)) for r in result.accepted]
            for record in result.fresh:
                items += self._relay(record)
            items += [(NODE_RECORDS, misbehaved(e)) for e in result.evidence]
        try:
            await self.publisher.publish_many(items)
        except BaseException:
            self.log.rollback(snapshot)
            raise
        return results

    def _relay(self, record: NodeRecord) -> list[tuple[Topic, Envelope]]:
        try:
            topic, envelope = relayed(record)
        except BadInput as exc:  # kinds this build does not relay yet: recorded, not judged
            log.info("node record not relayed", origin=record.origin, seq=record.seq, why=str(exc))
            return []
        # Inputs go where local ones go: uploads, or protocol-inputs for everything judged.
        return [(UPLOADS, envelope) if topic == UPLOADS else (PROTOCOL_INPUTS, envelope)]

    async def add_evidence(self, evidence: Sequence[Evidence]) -> int:
        async with self.lock:
            snapshot = self.log.snapshot()
            fresh = [e for e in evidence if self.log.add_evidence(e)]
            try:
                await self.publisher.publish_many([(NODE_RECORDS, misbehaved(e)) for e in fresh])
            except BaseException:
                self.log.rollback(snapshot)
                raise
            return len(fresh)
