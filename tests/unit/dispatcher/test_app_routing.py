"""Each device is pushed with its own app's credentials; one app's refusal holds only its pushes."""

from __future__ import annotations

from pushnode_dispatcher.adapters.guards import CredentialBreaker, GuardedPusher, TokenBucket
from pushnode_dispatcher.domain import Outcome, Provider, RetryPolicy, SendOutcome
from pushnode_dispatcher.handlers.sender import Sender
from pushnode_dispatcher.testing import FakePusher
from pushnode_shared.infra.db import Database
from pushnode_shared.protocol.events import (
    DeliveryAttempted,
    DeliveryRetryScheduled,
    Platform,
    wrap,
)
from tests.unit.dispatcher.test_handlers import NOW, handle, register, stored

REFUSED = SendOutcome(Outcome.CREDENTIALS, "auth", error_code="THIRD_PARTY_AUTH_ERROR")


def two_apps(default: FakePusher, wallet_b: FakePusher) -> Sender:
    return Sender(
        {Provider.FCM: default},
        RetryPolicy(),
        clock=lambda: NOW,
        apps={"wallet-b": {Provider.FCM: wallet_b}},
    )


def outcomes(events: list[object]) -> dict[str, str]:
    return {e.device_token: e.outcome.value for e in events if isinstance(e, DeliveryAttempted)}


async def test_a_device_registered_for_an_app_is_pushed_with_that_apps_client(
    db: Database,
) -> None:
    default, wallet_b = FakePusher(), FakePusher()
    await register(db, "tok-default", Platform.ANDROID)
    await register(db, "tok-b", Platform.ANDROID, app="wallet-b")

    await handle(db, two_apps(default, wallet_b).mapping(), stored())

    assert default.pushed == [("n-1", "tok-default")]
    assert wallet_b.pushed == [("n-1", "tok-b")]


async def test_a_device_of_an_app_the_node_does_not_know_is_not_pushed(db: Database) -> None:
    default, wallet_b = FakePusher(), FakePusher()
    await register(db, "tok-z", Platform.ANDROID, app="unknown-app")

    events = await handle(db, two_apps(default, wallet_b).mapping(), stored())

    assert (default.pushed, wallet_b.pushed, events) == ([], [], [])


async def test_a_retry_goes_through_the_devices_app(db: Database) -> None:
    default, wallet_b = FakePusher(), FakePusher(SendOutcome(Outcome.RETRY, "UNAVAILABLE"))
    await register(db, "tok-b", Platform.ANDROID, app="wallet-b")
    sender = two_apps(default, wallet_b)
    first = await handle(db, sender.mapping(), stored())
    [retry] = [e for e in first if isinstance(e, DeliveryRetryScheduled)]

    again = await handle(db, sender.retry_mapping(), wrap(retry, producer="dispatcher"))

    assert default.pushed == []
    assert wallet_b.pushed == [("n-1", "tok-b"), ("n-1", "tok-b")]
    assert outcomes(again) == {"tok-b": "DELIVERED"}


async def test_one_apps_refused_credentials_do_not_stop_another_apps_sends(
    db: Database,
) -> None:
    def guard(pusher: FakePusher, app: str) -> GuardedPusher:
        return GuardedPusher(pusher, TokenBucket(1e6), CredentialBreaker("fcm", app, 60.0))

    refusing, fine = FakePusher(REFUSED), FakePusher()
    sender = Sender(
        {Provider.FCM: guard(fine, "p-default")},
        RetryPolicy(),
        clock=lambda: NOW,
        apps={"wallet-b": {Provider.FCM: guard(refusing, "wallet-b")}},
    )
    for n in range(3):
        await register(db, f"tok-b-{n}", Platform.ANDROID, app="wallet-b")
        await register(db, f"tok-default-{n}", Platform.ANDROID)

    events = await handle(db, sender.mapping(), stored())
    breaker = sender.apps["wallet-b"][Provider.FCM]
    assert isinstance(breaker, GuardedPusher)
    ready, detail = await breaker.breaker.check()

    assert {o for t, o in outcomes(events).items() if t.startswith("tok-default")} == {"DELIVERED"}
    assert len(fine.pushed) == 3
    assert len(refusing.pushed) == 1  # the first answer stopped the rest of wallet-b's sends
    assert not ready and "wallet-b" in detail
