"""Sender, retry and registry handlers on an embedded database, with fake providers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from pushnode_dispatcher.adapters import db as tables
from pushnode_dispatcher.domain import (
    Outcome,
    Provider,
    PushContent,
    Pusher,
    RetryPolicy,
    SendOutcome,
)
from pushnode_dispatcher.handlers.registry import REGISTRY_HANDLERS
from pushnode_dispatcher.handlers.sender import Sender
from pushnode_dispatcher.testing import FakePusher
from pushnode_shared.infra.consumer import Handler, HandlerContext
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.protocol.events import (
    DeliveryAttempted,
    DeliveryRetryScheduled,
    DeviceRegistered,
    DeviceUnregistered,
    Event,
    MessageStored,
    Platform,
    Recipient,
    unwrap,
    wrap,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)
ALICE = "0xa11ce"
ANDROID = "fcm-token-1"
IPHONE = "ab" * 32
BROWSER = '{"endpoint": "https://push.example/push/1", "keys": {"p256dh": "B", "auth": "a"}}'


async def handle(db: Database, handlers: Mapping[str, Handler], envelope: Envelope) -> list[Event]:
    """Run one handler as the consumer does; return the events it published."""
    async with db.transaction() as session:
        ctx = HandlerContext(session=session, replay=False)
        await handlers[envelope.type](ctx, envelope)
    return [unwrap(e) for _, e in ctx.outbox]


async def register(
    db: Database, token: str, platform: Platform, wallet: str = ALICE, app: str | None = None
) -> None:
    event = DeviceRegistered(
        wallet=wallet, device_token=token, platform=platform, signed_at=NOW, app=app
    )
    await handle(db, REGISTRY_HANDLERS, wrap(event, producer="gateway"))


def stored(nid: str = "n-1") -> Envelope:
    message = MessageStored(
        notification_id=nid,
        cid="bafk",
        channel="0xc",
        chain_id=1,
        sender="s",
        recipients=[Recipient(address=ALICE, spam=False)],
        payload={"notification": {"title": "T", "body": "B"}, "data": {}},
        verification_proof="p",
        source="ETH_MAINNET",
        submitted_at=NOW,
    )
    return wrap(message, producer="storage")


def sender(pushers: Mapping[Provider, Pusher], max_attempts: int = 5) -> Sender:
    return Sender(pushers, RetryPolicy(max_attempts=max_attempts), clock=lambda: NOW)


def attempts(events: list[Event]) -> list[tuple[str, int]]:
    return [(e.outcome.value, e.attempt) for e in events if isinstance(e, DeliveryAttempted)]


def types(events: list[Event]) -> list[str]:
    return [type(e).__name__ for e in events]


async def status(db: Database, token: str) -> tuple[str, int] | None:
    async with db.transaction() as session:
        where = tables.deliveries.c.device_token == token
        query = sa.select(tables.deliveries.c.outcome, tables.deliveries.c.attempts).where(where)
        row = (await session.execute(query)).first()
    return None if row is None else (row.outcome, row.attempts)


async def test_each_platform_is_pushed_through_its_provider_once(db: Database) -> None:
    fcm, apns, web = FakePusher(), FakePusher(), FakePusher()
    await register(db, ANDROID, Platform.ANDROID)
    await register(db, IPHONE, Platform.IOS)
    await register(db, BROWSER, Platform.WEB)
    handlers = sender({Provider.FCM: fcm, Provider.APNS: apns, Provider.WEBPUSH: web}).mapping()

    events = await handle(db, handlers, stored())
    replayed = await handle(db, handlers, stored())

    assert (fcm.pushed, apns.pushed, web.pushed) == (
        [("n-1", ANDROID)],
        [("n-1", IPHONE)],
        [("n-1", BROWSER)],
    )
    assert sorted(getattr(e, "provider", "") for e in events) == ["apns", "fcm", "webpush"]
    # A replayed batch pushes nobody again; it only publishes the same facts again.
    assert replayed == events


async def test_without_apns_credentials_an_iphone_goes_through_fcm(db: Database) -> None:
    fcm = FakePusher()
    await register(db, IPHONE, Platform.IOS)
    await handle(db, sender({Provider.FCM: fcm}).mapping(), stored())
    assert fcm.pushed == [("n-1", IPHONE)]


async def test_a_retryable_answer_schedules_the_next_attempt_honouring_retry_after(
    db: Database,
) -> None:
    fcm = FakePusher(SendOutcome(Outcome.RETRY, "UNAVAILABLE", retry_after=7.0))
    await register(db, ANDROID, Platform.ANDROID)
    events = await handle(db, sender({Provider.FCM: fcm}).mapping(), stored())

    assert types(events) == ["DeliveryAttempted", "DeliveryRetryScheduled"]
    assert attempts(events) == [("RETRY", 1)]
    retry = events[1]
    assert isinstance(retry, DeliveryRetryScheduled)
    assert (retry.attempt, retry.provider, retry.device_token) == (2, "fcm", ANDROID)
    assert retry.not_before == NOW + timedelta(seconds=7)
    assert retry.payload["notification"]["title"] == "T"


async def test_the_retry_sends_again_and_never_repeats_a_delivered_push(db: Database) -> None:
    fcm = FakePusher(SendOutcome(Outcome.RETRY, "UNAVAILABLE"))
    await register(db, ANDROID, Platform.ANDROID)
    the_sender = sender({Provider.FCM: fcm})
    (_, retry) = await handle(db, the_sender.mapping(), stored())
    retry_envelope = wrap(retry, producer="dispatcher")

    events = await handle(db, the_sender.retry_mapping(), retry_envelope)
    again = await handle(db, the_sender.retry_mapping(), retry_envelope)
    replayed = await handle(db, the_sender.mapping(), stored())

    assert fcm.pushed == [("n-1", ANDROID), ("n-1", ANDROID)]
    assert attempts(events) == [("DELIVERED", 2)]
    assert again == events and replayed == []


async def test_after_the_last_attempt_the_delivery_is_abandoned(db: Database) -> None:
    failing = SendOutcome(Outcome.RETRY, "INTERNAL")
    fcm = FakePusher(failing, failing)
    await register(db, ANDROID, Platform.ANDROID)
    the_sender = sender({Provider.FCM: fcm}, max_attempts=2)
    (first, retry) = await handle(db, the_sender.mapping(), stored())
    events = await handle(db, the_sender.retry_mapping(), wrap(retry, producer="d"))

    assert types(events) == ["DeliveryAttempted", "DeliveryAbandoned"]
    for event in (first, *events):
        await handle(db, REGISTRY_HANDLERS, wrap(event, producer="d"))
    assert await status(db, ANDROID) == ("GAVE_UP", 2)


@pytest.mark.parametrize(
    ("provider", "platform", "token", "code"),
    [
        (Provider.FCM, Platform.ANDROID, ANDROID, "UNREGISTERED"),
        (Provider.APNS, Platform.IOS, IPHONE, "Unregistered"),
        (Provider.WEBPUSH, Platform.WEB, BROWSER, None),
    ],
)
async def test_a_dead_token_from_any_provider_is_unregistered(
    db: Database, provider: Provider, platform: Platform, token: str, code: str | None
) -> None:
    pusher = FakePusher(SendOutcome(Outcome.DROP_TOKEN, "gone", error_code=code))
    await register(db, token, platform)
    events = await handle(db, sender({provider: pusher}).mapping(), stored())

    gone = [e for e in events if isinstance(e, DeviceUnregistered)]
    assert [(g.wallet, g.device_token) for g in gone] == [(ALICE, token)]
    assert gone[0].reason == f"{provider.value}: {code or 'gone'}"
    assert not any(isinstance(e, DeliveryRetryScheduled) for e in events)


async def test_a_retry_for_a_device_removed_meanwhile_is_not_sent(db: Database) -> None:
    fcm = FakePusher(SendOutcome(Outcome.RETRY, "UNAVAILABLE"))
    await register(db, ANDROID, Platform.ANDROID)
    the_sender = sender({Provider.FCM: fcm})
    (_, retry) = await handle(db, the_sender.mapping(), stored())
    removed = DeviceUnregistered(wallet=ALICE, device_token=ANDROID, reason="wallet")
    await handle(db, REGISTRY_HANDLERS, wrap(removed, producer="gateway"))

    assert await handle(db, the_sender.retry_mapping(), wrap(retry, producer="d")) == []
    assert len(fcm.pushed) == 1


async def test_no_credentials_no_push_and_no_outcome(db: Database) -> None:
    await register(db, ANDROID, Platform.ANDROID)
    assert await handle(db, sender({}).mapping(), stored()) == []


async def test_a_republished_earlier_attempt_does_not_turn_the_status_back(db: Database) -> None:
    fcm = FakePusher(SendOutcome(Outcome.RETRY, "UNAVAILABLE"))
    await register(db, ANDROID, Platform.ANDROID)
    the_sender = sender({Provider.FCM: fcm})
    (first, retry) = await handle(db, the_sender.mapping(), stored())
    (second,) = await handle(db, the_sender.retry_mapping(), wrap(retry, producer="d"))
    for event in (first, second, first):
        await handle(db, REGISTRY_HANDLERS, wrap(event, producer="d"))
    assert await status(db, ANDROID) == ("DELIVERED", 2)


class BrokenPusher(FakePusher):
    async def push(self, content: PushContent, token: str) -> SendOutcome:
        await super().push(content, token)
        raise RuntimeError("bug")


async def test_a_client_that_raises_fails_its_push_and_spares_the_others(db: Database) -> None:
    fcm, web = FakePusher(), BrokenPusher()
    await register(db, ANDROID, Platform.ANDROID)
    await register(db, BROWSER, Platform.WEB)
    handlers = sender({Provider.FCM: fcm, Provider.WEBPUSH: web}).mapping()
    events = await handle(db, handlers, stored())
    replayed = await handle(db, handlers, stored())

    assert sorted(attempts(events)) == [("BAD_REQUEST", 1), ("DELIVERED", 1)]
    assert replayed == events and len(fcm.pushed) == 1 and len(web.pushed) == 1


async def test_refused_credentials_keep_the_push_for_a_retry_after_the_fix(db: Database) -> None:
    refused = SendOutcome(Outcome.CREDENTIALS, "auth", retry_after=60.0, error_code="X")
    fcm = FakePusher(refused)
    await register(db, ANDROID, Platform.ANDROID)
    events = await handle(db, sender({Provider.FCM: fcm}).mapping(), stored())

    assert types(events) == ["DeliveryAttempted", "DeliveryRetryScheduled"]
    assert attempts(events) == [("CREDENTIALS", 1)]
    retry = events[1]
    assert isinstance(retry, DeliveryRetryScheduled)
    assert retry.not_before >= NOW + timedelta(seconds=60)


async def test_a_bad_request_is_recorded_and_never_retried(db: Database) -> None:
    fcm = FakePusher(SendOutcome(Outcome.BAD_REQUEST, "INVALID_ARGUMENT"))
    await register(db, ANDROID, Platform.ANDROID)
    events = await handle(db, sender({Provider.FCM: fcm}).mapping(), stored())
    assert types(events) == ["DeliveryAttempted"] and attempts(events) == [("BAD_REQUEST", 1)]
