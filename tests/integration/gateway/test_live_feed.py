"""Two gateway processes each see every stored message on their own sockets, whichever
partition it sits on: the live feed reads all partitions, with no consumer group."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

from pushnode_gateway.sockets.live import LiveFeed
from pushnode_shared.infra.kafka import Producer, ensure_topics
from pushnode_shared.protocol.events import MessageStored, Recipient, wrap
from pushnode_shared.protocol.topics import Topic


class RecordingSockets:
    """Stands in for one process's socket.io server: remembers what it was asked to emit."""

    def __init__(self, expect: int) -> None:
        self.pushed: list[tuple[str, bool, str]] = []
        self.delivered: list[str] = []
        self.expect = expect
        self.enough = asyncio.Event()

    async def push(self, recipient: str, spam: bool, item: dict[str, Any]) -> None:
        self.pushed.append((recipient, spam, item["sid"]))
        if len(self.pushed) >= self.expect:
            self.enough.set()

    async def push_live(self, feeds: list[dict[str, Any]]) -> None:
        self.delivered.extend(feed["sid"] for feed in feeds)


def stored(n: int) -> MessageStored:
    return MessageStored(
        notification_id=str(uuid.uuid4()),
        cid=f"bafkreilive{n}",
        channel=f"0x{n:040x}",  # different keys: the messages spread over the partitions
        chain_id=11155111,
        sender="eip155:11155111:0x0",
        recipients=[Recipient(address=f"0x{n + 100:040x}", spam=n % 2 == 1)],
        payload={"notification": {"title": "t", "body": "b"}, "data": {"type": "3"}},
        verification_proof="eip712v2:0x00",
        source="ETH_TEST_SEPOLIA",
        submitted_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


async def test_every_process_pushes_every_new_message_and_none_from_before(kafka: str) -> None:
    topic = Topic(f"live-{uuid.uuid4().hex[:8]}", key="channel", carries="test", partitions=3)
    await ensure_topics(kafka, [topic])
    bus = Producer(kafka, "live-test")
    await bus.start()
    old = stored(99)
    await bus.publish(topic, wrap(old, producer="live-test"))
    pods = [RecordingSockets(expect=12), RecordingSockets(expect=12)]
    feeds = [LiveFeed(kafka, sockets, (topic,)) for sockets in pods]  # type: ignore[arg-type]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(feed.run(stop)) for feed in feeds]
    try:
        async with asyncio.timeout(30):
            for feed in feeds:
                await feed.following.wait()
        messages = [stored(n) for n in range(12)]
        await bus.publish_many([(topic, wrap(m, producer="live-test")) for m in messages])
        expected = sorted(
            (m.recipients[0].address, m.recipients[0].spam, m.notification_id) for m in messages
        )
        async with asyncio.timeout(30):
            for pod in pods:
                await pod.enough.wait()
        await asyncio.sleep(0.5)  # room for a duplicate to show up
    finally:
        stop.set()
        await asyncio.gather(*tasks)
        await bus.stop()
    for pod in pods:
        assert sorted(pod.pushed) == expected  # all partitions, once each, nothing from before
        assert sorted(pod.delivered) == sorted(m.notification_id for m in messages)
