"""This node's own records: each locally admitted input, wrapped with the next sequence number.

Consume → produce in one Kafka transaction: the inputs' offsets (group `listener-records`) are
committed with the NodeRecordAppended records made of them, so the sequence is gapless and has
one writer (a second listener is fenced by the transactional id). Relayed inputs (producer
"network") are not admitted here and never recorded again. The receive time is the gateway's
(the submission's own time field), so a batch redone after a crash makes the same records,
and every node rebuilds the submission with the very time the origin stamped.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.structs import OffsetAndMetadata

from pushnode_listener.network.replica import appended
from pushnode_shared.infra.envelope import MalformedEvent, from_record, to_record
from pushnode_shared.infra.logging import get_logger
from pushnode_shared.protocol.network.keys import NodeKey
from pushnode_shared.protocol.network.log import ReplicaLog
from pushnode_shared.protocol.network.origin import OriginWriter
from pushnode_shared.protocol.network.records import NodeRecord
from pushnode_shared.protocol.network.relay import INPUT_TOPICS, input_of
from pushnode_shared.protocol.topics import NODE_RECORDS, scoped

log = get_logger(__name__)
GROUP = "listener-records"


class OwnRecorder:
    """Runs after the records fold caught up (the writer resumes from its own head there)."""

    def __init__(
        self,
        bootstrap: str,
        key: NodeKey,
        replica: ReplicaLog,
        reach_end: Callable[[], Awaitable[None]],
        lock: asyncio.Lock,
    ) -> None:
        self.bootstrap, self.key, self.replica, self.reach_end = bootstrap, key, replica, reach_end
        self.lock = lock

    def _consumer(self) -> AIOKafkaConsumer:
        return AIOKafkaConsumer(
            *(t.name for t in INPUT_TOPICS),
            bootstrap_servers=self.bootstrap,
            group_id=scoped(GROUP),
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
        )

    async def run(self, stop: asyncio.Event) -> None:
        """Record until stopped; a failed session (broker away) starts afresh."""
        while not stop.is_set():
            try:
                await self._session(stop)
            except Exception:
                log.warning("own-record session failed; starting afresh", exc_info=True)
                await asyncio.sleep(2)

    async def _session(self, stop: asyncio.Event) -> None:
        producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap,
            transactional_id=scoped("pushnode-listener-records"),
            enable_idempotence=True,
            acks="all",
        )
        await producer.start()  # aborts what a killed predecessor left open, before we read
        consumer = self._consumer()
        try:
            # Everything committed so far, own records included, is in the replica: a commit
            # whose answer was lost cannot be numbered again.
            await self.reach_end()
            seq, head = self.replica.heads()[self.key.address]
            writer = OriginWriter(self.key, seq, head)
            await consumer.start()
            while not stop.is_set():
                batches = await consumer.getmany(timeout_ms=500, max_records=500)
                if batches:
                    await self._record(producer, writer, batches)
        finally:
            await consumer.stop()
            await producer.stop()

    async def _record(
        self,
        producer: AIOKafkaProducer,
        writer: OriginWriter,
        batches: dict[TopicPartition, list],  # type: ignore[type-arg]
    ) -> None:
        made: list[NodeRecord] = []
        for records in batches.values():
            for record in records:
                made += self._wrap(writer, record.value, list(record.headers))
        offsets = {tp: OffsetAndMetadata(rs[-1].offset + 1, "") for tp, rs in batches.items()}
        # A failure raises: the session starts afresh from what was committed (writer included).
        async with producer.transaction():
            for own in made:
                key, value, headers = to_record(appended(own))
                await producer.send(NODE_RECORDS.name, value, key=key, headers=headers)
            await producer.send_offsets_to_transaction(offsets, scoped(GROUP))
        async with self.lock:
            for own in made:
                self.replica.add(own)

    def _wrap(
        self, writer: OriginWriter, value: bytes | None, headers: list[tuple[str, bytes]]
    ) -> list[NodeRecord]:
        try:
            envelope = from_record(value, headers)
        except MalformedEvent:
            return []
        found = input_of(envelope)
        if found is None:
            return []
        kind, data, received_at = found
        return [writer.record(kind, data, received_at=received_at)]
