"""A broadcast is pushed to the devices of the channel's subscribers at its position."""

from __future__ import annotations

import pytest

from pushnode_dispatcher.domain import Provider
from pushnode_dispatcher.handlers.registry import SUBSCRIPTION_HANDLERS
from pushnode_dispatcher.testing import FakePusher
from pushnode_shared.infra.consumer import TransientError
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.protocol.events import (
    Broadcast,
    Event,
    MessageStored,
    Platform,
    SubscriptionAdded,
    SubscriptionRemoved,
    unwrap,
    wrap,
)
from tests.unit.dispatcher.test_handlers import handle, register, sender, stored

CHANNEL, ALICE, BOB, CAROL = "0xc", "0xa11ce", "0xb0b", "0xca201"


async def fold(db: Database, *facts: Event) -> None:
    for fact in facts:
        await handle(db, SUBSCRIPTION_HANDLERS, wrap(fact, producer="validator"))


def added(wallet: str, position: int) -> SubscriptionAdded:
    return SubscriptionAdded(channel=CHANNEL, subscriber=wallet, chain_id=1, position=position)


def removed(wallet: str, position: int) -> SubscriptionRemoved:
    return SubscriptionRemoved(channel=CHANNEL, subscriber=wallet, chain_id=1, position=position)


def broadcast(position: int, nid: str = "b-1") -> Envelope:
    message = unwrap(stored(nid))
    assert isinstance(message, MessageStored)
    audience = Broadcast(channel=CHANNEL, position=position)
    update = {"recipients": [], "broadcast": audience}
    return wrap(message.model_copy(update=update), producer="storage")


async def test_subscribers_at_the_broadcasts_position_are_pushed_once(db: Database) -> None:
    for wallet in (ALICE, BOB, CAROL):
        await register(db, f"token-{wallet}", Platform.ANDROID, wallet)
    # Alice in (1), Bob in (2), Alice out (3) — broadcast at 3 — Carol in (4)
    await fold(db, added(ALICE, 1), added(BOB, 2), removed(ALICE, 3), added(CAROL, 4))
    fcm = FakePusher()
    handlers = sender({Provider.FCM: fcm}).mapping()
    await handle(db, handlers, broadcast(3))
    await handle(db, handlers, broadcast(3))  # a replay pushes nobody again
    assert fcm.pushed == [("b-1", f"token-{BOB}")]


async def test_a_broadcast_ahead_of_the_subscription_fold_is_retried_not_skipped(
    db: Database,
) -> None:
    await register(db, "token-bob", Platform.ANDROID, BOB)
    fcm = FakePusher()
    handlers = sender({Provider.FCM: fcm}).mapping()
    with pytest.raises(TransientError):
        await handle(db, handlers, broadcast(1))
    await fold(db, added(BOB, 1))
    await handle(db, handlers, broadcast(1))
    assert fcm.pushed == [("b-1", "token-bob")]
