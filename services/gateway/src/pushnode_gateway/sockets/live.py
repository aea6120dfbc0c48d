"""The live feed: every gateway process reads all of messages-stored and chats for its sockets.

The feed projection (gateway-feeds) is one consumer group, so with several gateway pods each
pod projects only some partitions. Sockets, though, sit on whichever pod a client reached. So
socket pushes do not come from the projection: each process reads every partition from the
end, with no consumer group and no stored offsets, and emits to the sockets it holds. A
process that restarts starts at the end again; what a client missed meanwhile it asks for
on reconnect (the resumable sockets read the projection).

A record is emitted only once the projection that shows it (gateway-feeds, gateway-chat) has
committed it (committed.py): a client that reads its feed after a socket event finds the
notification or message the event announced.

A record can be on the topic twice with one event id (a producer's batch retried after part
of it was written: deterministic ids, idempotent projections); the live feed remembers the
ids it pushed lately and pushes each once.

A broadcast lists no recipients: it goes to those of this process's connected wallets that
were subscribed at its position (audience.py), less those its category held back
(Broadcast.held_back), so its cost follows the sockets held here, not the channel's
subscriber count.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from aiokafka import AIOKafkaConsumer

from pushnode_gateway.chat.formatting import chat_socket_event
from pushnode_gateway.feeds.formatting import (
    channel_item,
    delivery_feeds,
    feed_item,
    withdrawn_event,
)
from pushnode_gateway.sockets.audience import Audience
from pushnode_gateway.sockets.committed import Committed
from pushnode_gateway.sockets.server import FeedSockets
from pushnode_shared.infra.envelope import MalformedEvent, from_record
from pushnode_shared.infra.kafka import topic_partitions
from pushnode_shared.infra.logging import get_logger
from pushnode_shared.protocol.events import (
    ChatMessageStored,
    ChatRequestAnswered,
    Event,
    MessageStored,
    MessageWithdrawn,
    unwrap,
)
from pushnode_shared.protocol.topics import CHATS, MESSAGES_STORED, Topic

log = get_logger(__name__)
# Event ids remembered against duplicates: a retried batch repeats its records within seconds.
RECENT_IDS = 50_000


async def push_stored(
    sockets: FeedSockets, stored: MessageStored, audience: Audience | None = None
) -> None:
    """One stored notification to the sockets of this process: attached delivery nodes
    (`liveFeeds`) and each recipient's room (`userFeeds` / `userSpamFeeds`); a broadcast
    to the connected wallets its audience reaches (none without an audience)."""
    await sockets.push_live(delivery_feeds(channel_item(stored)))
    for spam in (False, True):
        wallets = [r.address for r in stored.recipients if r.spam == spam]
        await push_item(sockets, stored, wallets, spam)
    if stored.broadcast is not None and audience is not None:
        reached = sorted(await audience.reached(stored.broadcast, sockets.wallets()))
        reached = stored.broadcast.reaches(reached)  # its category held these back
        await push_item(sockets, stored, reached, False)


async def push_item(
    sockets: FeedSockets, stored: MessageStored, wallets: list[str], spam: bool
) -> None:
    """The notification's feed item to these wallets' sockets, encoded once for all of them
    when the item is the same for each: when its payload names its recipients. A payload
    without them shows each wallet as its recipient (as /feeds does), one item per wallet."""
    if not wallets:
        return
    if "recipients" in stored.payload:
        await sockets.push_to(wallets, spam, feed_item(stored, wallets[0]))
        return
    for wallet in wallets:
        await sockets.push(wallet, spam, feed_item(stored, wallet))


async def push_chat(sockets: FeedSockets, event: Event) -> None:
    """A stored chat message or a request's answer to both parties' chat sockets (CHATS)."""
    assert isinstance(event, ChatMessageStored | ChatRequestAnswered)
    dids, payload = chat_socket_event(event)
    for did in dids:
        await sockets.push_chat(did, payload)


class LiveFeed:
    """Follows topics' ends on every partition and pushes what arrives to local sockets."""

    def __init__(
        self,
        bootstrap: str,
        sockets: FeedSockets,
        topics: tuple[Topic, ...] = (MESSAGES_STORED, CHATS),
        audience: Audience | None = None,
        committed: Committed | None = None,
    ):
        self.bootstrap = bootstrap
        self.sockets = sockets
        self.audience = audience
        self.committed = committed
        self.topics = topics
        # Set once every partition is assigned and positioned at its end.
        self.following = asyncio.Event()
        self.pushed: OrderedDict[str, None] = OrderedDict()

    async def run(self, stop: asyncio.Event) -> None:
        """Until stop: read new records of every partition, push each stored message."""
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap,
            group_id=None,
            enable_auto_commit=False,
            isolation_level="read_committed",
        )
        await consumer.start()
        try:
            partitions = await topic_partitions(self.bootstrap, self.topics)
            consumer.assign(partitions)
            await consumer.seek_to_end(*partitions)
            for tp in partitions:  # resolve the lazy seek now, so "following" means it
                await consumer.position(tp)
            self.following.set()
            while not stop.is_set():
                batch = await consumer.getmany(timeout_ms=500, max_records=500)
                for tp, records in batch.items():
                    if self.committed is not None and records:
                        await self.committed.until(tp.topic, tp.partition, records[-1].offset)
                    for record in records:
                        await self._push(record.value, record.headers)
        finally:
            await consumer.stop()

    async def _push(self, value: bytes | None, headers: list[tuple[str, bytes]]) -> None:
        try:
            envelope = from_record(value, headers)
            push = PUSHES.get(envelope.type)
            if push is None:
                return
            event = unwrap(envelope)
        except MalformedEvent:
            return  # the projection dead-letters it; a socket has nothing to show
        if self._seen(envelope.event_id):
            return  # a copy of a record already pushed (a producer's retried batch)
        try:
            if isinstance(event, MessageStored):
                await push_stored(self.sockets, event, self.audience)
            else:
                await push(self.sockets, event)
        except Exception as exc:  # a failed push must not stop the feed for everyone else
            log.warning("live push failed", event_id=envelope.event_id, error=repr(exc))

    def _seen(self, event_id: str) -> bool:
        """Whether this event id was pushed lately; remembers it if not."""
        if event_id in self.pushed:
            return True
        self.pushed[event_id] = None
        if len(self.pushed) > RECENT_IDS:
            self.pushed.popitem(last=False)
        return False


async def _push_stored(sockets: FeedSockets, event: Event) -> None:
    assert isinstance(event, MessageStored)
    await push_stored(sockets, event)


async def _push_withdrawn(sockets: FeedSockets, event: Event) -> None:
    assert isinstance(event, MessageWithdrawn)
    await sockets.push_withdrawn(withdrawn_event(event))


# Event type -> what its arrival shows on this process's sockets.
PUSHES: dict[str, Callable[[FeedSockets, Event], Awaitable[None]]] = {
    "MessageStored": _push_stored,
    "MessageWithdrawn": _push_withdrawn,
    "ChatMessageStored": push_chat,
    "ChatRequestAnswered": push_chat,
}
