"""Who gets a push, through which provider, in which shape, and when a retry is due."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from pushnode_dispatcher.adapters.apns_message import apns_notification
from pushnode_dispatcher.adapters.fcm_message import fcm_message
from pushnode_dispatcher.adapters.webpush_message import web_subscription, webpush_message
from pushnode_dispatcher.domain import Provider, PushContent, RetryPolicy, pushable, route
from pushnode_shared.protocol.events import MessageStored, Recipient

ALL = frozenset(Provider)
APNS_TOKEN = "ab" * 32
FCM_TOKEN = "dXk3:APA91bH-example_token"
SUBSCRIPTION = json.dumps(
    {
        "endpoint": "https://push.example/push/abc",
        "expirationTime": None,
        "keys": {"p256dh": "BPk", "auth": "c2Vj"},
    }
)


def stored(silent: str = "0") -> MessageStored:
    return MessageStored(
        notification_id="n",
        cid="bafk",
        channel="0xc",
        chain_id=1,
        sender="s",
        recipients=[Recipient(address="0xa", spam=False), Recipient(address="0xb", spam=True)],
        payload={
            "notification": {"title": "T", "body": "B"},
            "data": {"type": "4", "silent": silent, "app": "demo"},
        },
        verification_proof="p",
        source="ETH_MAINNET",
        submitted_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def test_spam_never_reaches_a_phone() -> None:
    assert [r.address for r in pushable(stored())] == ["0xa"]


def test_a_silent_notification_reaches_no_phone() -> None:
    assert pushable(stored(silent="1")) == []


def test_the_fcm_message_carries_title_body_and_string_data() -> None:
    message = fcm_message(PushContent.of(stored()), "tok")
    assert (message.notification.title, message.notification.body) == ("T", "B")  # type: ignore[union-attr]
    assert all(isinstance(v, str) for v in (message.data or {}).values())
    assert message.local_problem() is None


@pytest.mark.parametrize(
    ("platform", "token", "available", "expected"),
    [
        ("android", FCM_TOKEN, ALL, Provider.FCM),
        ("web", SUBSCRIPTION, ALL, Provider.WEBPUSH),
        ("ios", APNS_TOKEN, ALL, Provider.APNS),
        # Without APNs credentials iOS goes through FCM, as Push's apps do.
        ("ios", APNS_TOKEN, {Provider.FCM, Provider.WEBPUSH}, Provider.FCM),
        # An FCM token registered from iOS is not an APNs token: FCM relays it.
        ("ios", FCM_TOKEN, ALL, Provider.FCM),
        ("android", FCM_TOKEN, {Provider.APNS, Provider.WEBPUSH}, None),
        ("web", SUBSCRIPTION, {Provider.FCM}, None),
        ("dapp", FCM_TOKEN, ALL, None),
    ],
)
def test_a_registration_routes_by_platform_to_a_configured_provider(
    platform: str, token: str, available: frozenset[Provider], expected: Provider | None
) -> None:
    assert route(platform, token, available) == expected


def test_the_apns_alert_has_title_body_and_collapses_per_notification() -> None:
    notification = apns_notification(PushContent.of(stored()), APNS_TOKEN)
    assert notification.payload["aps"]["alert"] == {"title": "T", "body": "B"}
    assert notification.collapse_id == "n"
    assert json.loads(notification.payload["details"])["info"] == {"sid": "n", "cid": "bafk"}
    assert notification.local_problem() is None


def test_a_web_token_is_the_browsers_push_subscription_json() -> None:
    subscription = web_subscription(SUBSCRIPTION)
    assert subscription is not None
    assert subscription.endpoint == "https://push.example/push/abc"
    assert web_subscription("not json") is None
    assert web_subscription(json.dumps({"endpoint": "https://x"})) is None
    assert web_subscription(json.dumps(["https://x"])) is None


def test_the_web_push_plaintext_is_the_notification_as_json() -> None:
    subscription = web_subscription(SUBSCRIPTION)
    assert subscription is not None
    message = webpush_message(PushContent.of(stored()), subscription)
    data = json.loads(message.data)
    assert (data["title"], data["body"], data["sid"], data["app"]) == ("T", "B", "n", "demo")
    assert message.local_problem() is None


def test_backoff_doubles_per_attempt_within_its_jitter() -> None:
    policy = RetryPolicy(max_attempts=5, base_seconds=2.0, max_seconds=900.0)
    for attempt in range(1, 5):
        step = 2.0 * 2 ** (attempt - 1)
        assert step / 2 <= policy.delay(attempt, None, "n\x1ftok") <= step


def test_backoff_jitter_is_deterministic_and_spreads_devices() -> None:
    policy = RetryPolicy()
    assert policy.delay(2, None, "a") == policy.delay(2, None, "a")
    assert len({policy.delay(2, None, f"device-{i}") for i in range(20)}) > 10


def test_retry_after_is_a_floor_and_the_cap_bounds_everything() -> None:
    policy = RetryPolicy(max_attempts=10, base_seconds=1.0, max_seconds=60.0)
    assert policy.delay(1, 30.0, "s") == 30.0
    assert policy.delay(9, None, "s") <= 60.0
    assert policy.delay(1, 3600.0, "s") == 60.0


def test_the_last_allowed_attempt_gives_up() -> None:
    policy = RetryPolicy(max_attempts=5)
    assert [policy.gives_up_after(n) for n in range(1, 7)] == [False] * 4 + [True] * 2
