"""The listener's transactional publisher: one transaction per call, records batched per
partition in order, each key on the partition the default partitioner gives it."""

from __future__ import annotations

from aiokafka.partitioner import DefaultPartitioner

from pushnode_listener.adapters.txproducer import TransactionalPublisher
from pushnode_shared.infra.envelope import Envelope, from_record
from pushnode_shared.protocol.events import ChainCursorAdvanced, wrap
from pushnode_shared.protocol.topics import CHAIN_CURSORS, PROTOCOL_INPUTS
from pushnode_shared.testing import FakeKafka


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
