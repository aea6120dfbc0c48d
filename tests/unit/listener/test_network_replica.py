"""The listener's replica: a page of peers' records is one publish, relayed once, or nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from pushnode_listener.network.replica import KafkaReplica
from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.protocol.network.keys import NodeKey
from pushnode_shared.protocol.network.log import ReplicaLog
from pushnode_shared.protocol.network.origin import OriginWriter
from pushnode_shared.protocol.topics import NODE_RECORDS, UPLOADS, Topic

from ..network.builders import upload

A, B = NodeKey.generate(), NodeKey.generate()


class Publisher:
    """Records each publish_many; fails while `broken`."""

    def __init__(self) -> None:
        self.published: list[list[tuple[Topic, Envelope]]] = []
        self.broken = False

    async def publish_many(self, items: Sequence[tuple[Topic, Envelope]]) -> None:
        if self.broken:
            raise ConnectionError("broker away")
        self.published.append(list(items))


def replica() -> tuple[KafkaReplica, Publisher]:
    publisher = Publisher()
    log = ReplicaLog([A.address, B.address])
    return KafkaReplica(log, publisher, asyncio.Lock()), publisher  # type: ignore[arg-type]


def topics(items: list[tuple[Topic, Envelope]]) -> list[tuple[str, str]]:
    return [(t.name, e.type) for t, e in items]


async def test_a_page_goes_out_as_records_and_their_inputs_in_one_publish() -> None:
    kafka, publisher = replica()
    writer = OriginWriter(A)
    page = [writer.record(*upload(t), received_at=1) for t in ("x", "y")]
    await kafka.add_records(page)
    (items,) = publisher.published
    assert topics(items) == [
        (NODE_RECORDS.name, "NodeRecordAppended"),
        (UPLOADS.name, "ContentUploaded"),
        (NODE_RECORDS.name, "NodeRecordAppended"),
        (UPLOADS.name, "ContentUploaded"),
    ]


async def test_an_input_that_came_through_another_origin_is_recorded_but_not_relayed_again() -> (
    None
):
    kafka, publisher = replica()
    await kafka.add_records([OriginWriter(A).record(*upload("x"), received_at=1)])
    await kafka.add_records([OriginWriter(B).record(*upload("x"), received_at=2)])
    assert topics(publisher.published[1]) == [(NODE_RECORDS.name, "NodeRecordAppended")]


async def test_a_page_the_broker_refused_leaves_the_frontier_as_it_was_and_comes_again() -> None:
    kafka, publisher = replica()
    page = [OriginWriter(A).record(*upload("x"), received_at=1)]
    publisher.broken = True
    with pytest.raises(ConnectionError):
        await kafka.add_records(page)
    assert (await kafka.heads()) == {}
    publisher.broken = False
    await kafka.add_records(page)
    assert [len(p) for p in publisher.published] == [2]
    assert (await kafka.heads())[A.address].seq == 1
