"""A producer whose sequence the broker lost (a broker restart) starts afresh, not stuck forever."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiokafka.errors import OutOfOrderSequenceNumber

from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.infra.kafka import Producer
from pushnode_shared.protocol.topics import MESSAGES_STORED
from tests.support.envelopes import raw_envelope


class FakeAioProducer:
    """An aiokafka producer that acknowledges, or fails every send out of sequence."""

    def __init__(self, broken: bool) -> None:
        self.broken, self.started, self.stopped = broken, False, False
        self.sent: list[bytes] = []

    async def start(self) -> None:
        self.started = True

    async def stop(self) -> None:
        self.stopped = True

    async def send(self, topic: str, value: bytes, **_: Any) -> asyncio.Future[None]:
        answer: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self.broken:
            answer.set_exception(OutOfOrderSequenceNumber())
        else:
            self.sent.append(value)
            answer.set_result(None)
        return answer


def envelope() -> Envelope:
    return raw_envelope("MessageStored", event_id="e-1")


async def test_a_producer_out_of_sequence_is_replaced_and_the_retried_batch_goes_through(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made = [FakeAioProducer(broken=True), FakeAioProducer(broken=False)]
    monkeypatch.setattr(Producer, "_new", lambda self: made.pop(0))
    producer = Producer("unused:9092", "test")
    broken = producer._producer
    await producer.start()

    with pytest.raises(OutOfOrderSequenceNumber):  # the caller's batch fails and is retried
        await producer.publish(MESSAGES_STORED, envelope())
    await producer.publish(MESSAGES_STORED, envelope())

    fresh = producer._producer
    assert isinstance(broken, FakeAioProducer) and broken.stopped
    assert isinstance(fresh, FakeAioProducer) and fresh.started and len(fresh.sent) == 1
