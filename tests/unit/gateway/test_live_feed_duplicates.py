"""A record on messages-stored twice (a producer's retried batch) reaches a socket once."""

from __future__ import annotations

from typing import Any

from pushnode_gateway.sockets.live import LiveFeed
from pushnode_shared.infra.envelope import to_record
from pushnode_shared.protocol.events import Recipient, wrap
from tests.unit.gateway.test_channel_history_api import ALICE, stored


class RecordingSockets:
    """The socket server's push side, recording what each wallet's room was sent."""

    def __init__(self) -> None:
        self.pushed: list[tuple[str, Any]] = []

    async def push_live(self, item: Any) -> None:
        """Delivery nodes are not what this test looks at."""

    async def push_to(self, wallets: list[str], spam: bool, item: Any) -> None:
        self.pushed.extend((wallet, item) for wallet in wallets)


async def test_a_stored_notification_repeated_on_the_topic_is_pushed_once() -> None:
    sockets = RecordingSockets()
    live = LiveFeed("unused:9092", sockets)  # type: ignore[arg-type]
    envelope = wrap(
        stored(3, "storm", [Recipient(address=ALICE.lower(), spam=False)], 1), producer="test"
    )
    _, value, headers = to_record(envelope)

    await live._push(value, headers)
    await live._push(value, headers)  # the same event id again

    assert [wallet for wallet, _ in sockets.pushed] == [ALICE.lower()]
