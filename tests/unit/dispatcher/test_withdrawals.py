"""The sender never pushes a notification withdrawn (a reorg) while it waited, nor retries it."""

from __future__ import annotations

from pushnode_dispatcher.domain import Outcome, Provider, SendOutcome
from pushnode_dispatcher.handlers.withdrawals import WITHDRAWAL_HANDLERS
from pushnode_dispatcher.testing import FakePusher
from pushnode_shared.infra.db import Database
from pushnode_shared.protocol.events import NotificationWithdrawn, Platform, wrap
from tests.unit.dispatcher.test_handlers import ANDROID, handle, register, sender, stored


async def withdraw(db: Database, nid: str = "n-1") -> None:
    gone = NotificationWithdrawn(
        notification_id=nid, channel="0xc", chain_id=1, block_number=9, tx_hash="0xt"
    )
    assert await handle(db, WITHDRAWAL_HANDLERS, wrap(gone, producer="validator")) == []


async def test_a_notification_withdrawn_before_its_turn_is_never_pushed(db: Database) -> None:
    fcm = FakePusher()
    await register(db, ANDROID, Platform.ANDROID)
    await withdraw(db)
    assert await handle(db, sender({Provider.FCM: fcm}).mapping(), stored()) == []
    assert fcm.pushed == []


async def test_a_withdrawal_names_only_its_own_notification(db: Database) -> None:
    fcm = FakePusher()
    await register(db, ANDROID, Platform.ANDROID)
    await withdraw(db, "another")
    await handle(db, sender({Provider.FCM: fcm}).mapping(), stored())
    assert fcm.pushed == [("n-1", ANDROID)]


async def test_a_retry_of_a_notification_withdrawn_meanwhile_is_not_sent(db: Database) -> None:
    fcm = FakePusher(SendOutcome(Outcome.RETRY, "UNAVAILABLE"))
    await register(db, ANDROID, Platform.ANDROID)
    the_sender = sender({Provider.FCM: fcm})
    (_, retry) = await handle(db, the_sender.mapping(), stored())
    await withdraw(db)
    assert await handle(db, the_sender.retry_mapping(), wrap(retry, producer="dispatcher")) == []
    assert fcm.pushed == [("n-1", ANDROID)]


async def test_a_withdrawal_seen_twice_is_recorded_once(db: Database) -> None:
    await withdraw(db)
    await withdraw(db)
