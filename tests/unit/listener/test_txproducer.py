"""The listener's transactional publisher: one transaction per call, records batched per
partition in order, each key on the partition the default partitioner gives it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from aiokafka.partitioner import DefaultPartitioner

from pushnode_listener.adapters.txproducer import TransactionalPublisher
from pushnode_shared.envelope import Envelope, from_record
from pushnode_shared.events import ChainCursorAdvanced, wrap
from pushnode_shared.topics import CHAIN_CURSORS, PROTOCOL_INPUTS


class FakeBatch:
    def __init__(self, room: int) -> None:
        self.room, self.records = room, []  # type: ignore[var-annotated]

    def append(self, *, key: bytes, value: bytes, timestamp: None, headers: Any) -> object | None:
        if len(self.records) == self.room:
            return None
        self.records.append((key, value, headers))
        return object()


class FakeKafka:
    """Just enough of AIOKafkaProducer: batches of 3 records, 3 partitions a topic."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, int, list[Any]]] = []
        self.transactions: list[str] = []

    def create_batch(self) -> FakeBatch:
        return FakeBatch(3)

    async def send_batch(self, batch: FakeBatch, topic: str, *, partition: int) -> Any:
        self.sent.append((topic, partition, batch.records))
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done

    async def partitions_for(self, topic: str) -> set[int]:
        return {0, 1, 2}

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        self.transactions.append("begin")
        yield
        self.transactions.append("commit")


def cursor(block: int) -> Envelope:
    return wrap(
        ChainCursorAdvanced(chain_id=1, block_number=block, block_hash="0x", logs_emitted=0),
        producer="t",
    )


def keyed(key: str, n: int) -> Envelope:
    envelope = cursor(n)
    return envelope.model_copy(update={"key": key})


async def test_one_call_is_one_transaction_with_each_partition_in_order() -> None:
    kafka = FakeKafka()
    publisher = TransactionalPublisher("unused:9092", "tx", "listener")
    publisher._producer = kafka  # type: ignore[assignment]
    channels = ["0xaa", "0xbb", "0xcc", "0xdd"]
    items = [(PROTOCOL_INPUTS, keyed(channels[n % 4], n)) for n in range(20)]
    await publisher.publish_many([*items, (CHAIN_CURSORS, cursor(99))])
    assert kafka.transactions == ["begin", "commit"]
    partitioner = DefaultPartitioner()
    for channel in channels:
        want = partitioner(channel.encode(), [0, 1, 2], [0, 1, 2])
        on_partition = [
            from_record(value, headers).payload["block_number"]
            for topic, partition, records in kafka.sent
            if topic == PROTOCOL_INPUTS.name and partition == want
            for key, value, headers in records
            if key == channel.encode()
        ]
        assert on_partition == [n for n in range(20) if channels[n % 4] == channel]
    assert all(len(records) <= 3 for _, _, records in kafka.sent)
    assert [t for t, _, _ in kafka.sent].count(CHAIN_CURSORS.name) == 1
