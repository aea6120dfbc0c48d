"""A sender killed mid-batch: what the providers answered survives the rolled-back batch, so
the replay pushes nobody twice and skips nobody."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from pushnode_dispatcher.adapters.sendlog import SendLog
from pushnode_dispatcher.domain import Outcome, Provider, PushContent, RetryPolicy, SendOutcome
from pushnode_dispatcher.handlers.sender import Sender
from pushnode_dispatcher.testing import FakePusher
from pushnode_shared.infra.consumer import HandlerContext
from pushnode_shared.infra.db import Database
from pushnode_shared.protocol.events import DeliveryAttempted, Platform, wrap
from tests.unit.dispatcher.test_handlers import (
    NOW,
    handle,
    register,
    stored,
)

PHONES = [f"fcm-token-{i}" for i in range(5)]


class Killed(BaseException):
    """What the process sees of a SIGKILL: nothing after this point runs."""


class DiesAfter(FakePusher):
    """Answers `n` pushes, then the process dies while the next one is in flight."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.left = n

    async def push(self, content: PushContent, token: str) -> SendOutcome:
        if self.left == 0:
            self.pushes.append((content, token))
            raise Killed
        self.left -= 1
        return await super().push(content, token)


def sender_on(db: Database, pusher: FakePusher, concurrency: int = 64) -> Sender:
    log = SendLog(db)  # its own transactions, as on PostgreSQL
    return Sender(
        {Provider.FCM: pusher}, RetryPolicy(), clock=lambda: NOW, log=log, concurrency=concurrency
    )


async def crash_after_handling(db: Database, the_sender: Sender) -> None:
    """Handle the batch, then die before the batch commits: its transaction rolls back."""
    with pytest.raises(Killed):
        async with db.transaction() as session:
            ctx = HandlerContext(session=session, replay=False)
            await the_sender.mapping()["MessageStored"](ctx, stored())
            raise Killed


async def test_a_crash_before_the_batch_commits_publishes_again_but_pushes_nobody_again(
    db: Database,
) -> None:
    for phone in PHONES:
        await register(db, phone, Platform.ANDROID)
    fcm = FakePusher()
    await crash_after_handling(db, sender_on(db, fcm))

    replayed = await handle(db, sender_on(db, fcm).mapping(), stored())

    assert sorted(token for _, token in fcm.pushed) == PHONES
    delivered = [e for e in replayed if isinstance(e, DeliveryAttempted)]
    assert sorted(e.device_token for e in delivered) == PHONES
    assert {e.outcome.value for e in delivered} == {"DELIVERED"}


async def test_a_push_in_flight_at_the_crash_is_sent_again_and_the_answered_ones_not(
    db: Database,
) -> None:
    for phone in PHONES:
        await register(db, phone, Platform.ANDROID)
    dying = DiesAfter(2)
    with pytest.raises(Killed):
        # One push at a time, so exactly one device is in flight when the process dies.
        await handle(db, sender_on(db, dying, concurrency=1).mapping(), stored())
    before = REGISTRY.get_sample_value(
        "pushnode_dispatcher_in_doubt_resends_total", {"provider": "fcm"}
    )

    fcm = FakePusher()
    events = await handle(db, sender_on(db, fcm).mapping(), stored())
    after = REGISTRY.get_sample_value(
        "pushnode_dispatcher_in_doubt_resends_total", {"provider": "fcm"}
    )

    assert [token for _, token in dying.pushed] == PHONES[:3]
    # The two answered before the crash are not pushed again; the one in flight is.
    assert sorted(token for _, token in fcm.pushed) == PHONES[2:]
    assert (after or 0) - (before or 0) == 1
    assert len([e for e in events if isinstance(e, DeliveryAttempted)]) == len(PHONES)


async def test_a_retry_answered_before_the_crash_is_not_sent_again(db: Database) -> None:
    await register(db, PHONES[0], Platform.ANDROID)
    fcm = FakePusher(SendOutcome(Outcome.RETRY, "UNAVAILABLE"))
    the_sender = sender_on(db, fcm)
    (_, retry) = await handle(db, the_sender.mapping(), stored())
    envelope = wrap(retry, producer="dispatcher")
    first = await handle(db, the_sender.retry_mapping(), envelope)
    again = await handle(db, the_sender.retry_mapping(), envelope)

    assert len(fcm.pushed) == 2
    assert [type(e).__name__ for e in first] == ["DeliveryAttempted"]
    assert again == first
