"""node-records folded into this node's ReplicaLog and peer set, from the start at every start.

The log is the checkpoint: the highest contiguous `seq` per origin on node-records is the
frontier, and the records committed there are the head hashes the next ones must link to.
Read committed only, so a relay transaction a crash left open never counts.
"""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaConsumer, TopicPartition

from pushnode_listener.network.peers import LivePeers
from pushnode_shared.infra.envelope import MalformedEvent, from_record
from pushnode_shared.infra.logging import get_logger
from pushnode_shared.protocol.events import NodeRecordAppended, PeerMisbehaved, unwrap
from pushnode_shared.protocol.network.log import ReplicaLog
from pushnode_shared.protocol.network.peerbook import DECISIONS
from pushnode_shared.protocol.topics import NODE_RECORDS

log = get_logger(__name__)


class RecordsFold:
    """Keeps `replica` equal to node-records; `caught_up` is set once the end is reached."""

    def __init__(
        self, bootstrap: str, replica: ReplicaLog, lock: asyncio.Lock, peers: LivePeers
    ) -> None:
        # The lock: a relay page's add-then-publish must not interleave with the fold, or a
        # failed publish's rollback would also drop records folded in the meantime.
        self.bootstrap, self.replica, self.lock = bootstrap, replica, lock
        self.peers = peers
        self.caught_up = asyncio.Event()
        self.position = 0
        self._moved = asyncio.Condition()

    async def reach_end(self) -> None:
        """Wait until everything committed on node-records by now has been folded in."""
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap, isolation_level="read_committed"
        )
        await consumer.start()
        try:
            partition = TopicPartition(NODE_RECORDS.name, 0)
            end = (await consumer.end_offsets([partition]))[partition]
        finally:
            await consumer.stop()
        async with self._moved:
            await self._moved.wait_for(lambda: self.position >= end)

    def apply(self, value: bytes | None, headers: list[tuple[str, bytes]]) -> None:
        """One record of node-records into the replica (poison is skipped: it is our own log)."""
        try:
            event = unwrap(from_record(value, headers))
        except MalformedEvent as exc:
            log.warning("node-records: skipped a malformed record", reason=str(exc))
            return
        if isinstance(event, NodeRecordAppended):
            self.replica.add(event.record)
        elif isinstance(event, PeerMisbehaved):
            self.replica.add_evidence(event.evidence)
        elif isinstance(event, DECISIONS):
            self.peers.apply(event)

    async def run(self, stop: asyncio.Event) -> None:
        """Read from offset 0, forever; set caught_up at the end offset seen at the start."""
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap,
            enable_auto_commit=False,
            isolation_level="read_committed",
        )
        partition = TopicPartition(NODE_RECORDS.name, 0)
        await consumer.start()
        try:
            consumer.assign([partition])
            await consumer.seek_to_beginning(partition)
            end = (await consumer.end_offsets([partition]))[partition]
            if end == 0:
                self.caught_up.set()
            while not stop.is_set():
                batches = await consumer.getmany(timeout_ms=500, max_records=1000)
                async with self.lock:
                    for records in batches.values():
                        for record in records:
                            self.apply(record.value, list(record.headers))
                            if record.offset + 1 >= end:
                                self.caught_up.set()
                self.position = await consumer.position(partition)
                if self.position >= end:
                    self.caught_up.set()
                async with self._moved:
                    self._moved.notify_all()
        finally:
            await consumer.stop()
