"""Delivery rules: every push fits in 4 KB without losing a required field, and encrypted
chat leaves the node as a content-free push."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from pushnode_dispatcher.adapters.apns_message import PAYLOAD_LIMIT as APNS_LIMIT
from pushnode_dispatcher.adapters.apns_message import apns_notification
from pushnode_dispatcher.adapters.fcm_message import PAYLOAD_LIMIT as FCM_LIMIT
from pushnode_dispatcher.adapters.fcm_message import fcm_message
from pushnode_dispatcher.adapters.webpush_message import (
    PLAINTEXT_LIMIT,
    web_subscription,
    webpush_message,
)
from pushnode_dispatcher.domain import PushContent, is_encrypted_chat
from pushnode_shared.protocol.events import MessageStored, Recipient

SUBSCRIPTION = web_subscription(
    json.dumps({"endpoint": "https://push.example/p/1", "keys": {"p256dh": "B", "auth": "a"}})
)
APNS_TOKEN = "ab" * 32


def stored(payload: dict[str, Any], proof: str = "eip712v2:0xsig") -> MessageStored:
    return MessageStored(
        notification_id="n-1",
        cid="bafk",
        channel="0xchannel",
        chain_id=1,
        sender="eip155:1:0xchannel",
        recipients=[Recipient(address="0xa", spam=False)],
        payload=payload,
        verification_proof=proof,
        source="ETH_MAINNET",
        submitted_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def big(body: str = "é" * 5000, app: str = "a" * 300) -> PushContent:
    payload = {"notification": {"title": "Title", "body": body}, "data": {"app": app}}
    return PushContent.of(stored(payload))


def test_an_oversized_fcm_push_loses_optional_fields_then_body_but_keeps_the_required() -> None:
    message = fcm_message(big(), "tok")
    data = message.data or {}
    assert message.payload_size() <= FCM_LIMIT
    assert message.local_problem() is None
    assert (data["app"], data["sender"]) == ("", "")
    assert message.notification is not None and message.notification.title == "Title"
    body = message.notification.body or ""
    assert body.endswith("\u2026") and len(body) > 1000  # cut to fit, not emptied
    assert json.loads(data["details"])["info"]["sid"] == "n-1"


def test_only_as_much_is_trimmed_as_needed() -> None:
    message = fcm_message(big(body="short", app="a" * 4500), "tok")
    data = message.data or {}
    assert data["app"] == "" and data["sender"] == "0xchannel"
    assert message.notification is not None and message.notification.body == "short"


def test_a_push_that_fits_is_left_whole() -> None:
    message = fcm_message(big(body="hello", app="demo"), "tok")
    assert (message.data or {})["app"] == "demo"


def test_apns_and_web_push_are_trimmed_to_their_own_limits() -> None:
    assert SUBSCRIPTION is not None
    notification = apns_notification(big(), APNS_TOKEN)
    web = webpush_message(big(), SUBSCRIPTION)
    assert len(notification.body()) <= APNS_LIMIT and notification.local_problem() is None
    assert notification.payload["aps"]["alert"]["title"] == "Title"
    assert len(web.data) <= PLAINTEXT_LIMIT and web.local_problem() is None
    assert json.loads(web.data)["sid"] == "n-1"


def test_required_fields_alone_too_big_are_refused_locally_not_cut() -> None:
    payload = {"notification": {"title": "T" * 5000, "body": "b"}, "data": {}}
    message = fcm_message(PushContent.of(stored(payload)), "tok")
    assert message.notification is not None and message.notification.title == "T" * 5000
    assert message.local_problem() is not None


@pytest.mark.parametrize(
    ("payload", "proof"),
    [
        ({"kind": "encrypted_chat", "notification": {"title": "secret"}}, "p"),
        ({"encType": "pgp", "notification": {"title": "secret"}}, "p"),
        ({"notification": {"title": "secret"}, "data": {"encType": "pgpv1:group"}}, "p"),
        ({"notification": {"title": "secret"}}, "eip712v2:0xsig::uid::x:internal:" + "c" * 64),
    ],
)
def test_encrypted_chat_is_recognised(payload: dict[str, Any], proof: str) -> None:
    assert is_encrypted_chat(payload, proof)


def test_plain_text_and_channel_notifications_are_not_chat() -> None:
    assert not is_encrypted_chat({"encType": "PlainText", "notification": {}}, "eip712v2:0x")
    assert not is_encrypted_chat({"notification": {"title": "hi"}}, "eip712v2:0x")


def test_an_encrypted_chat_push_carries_its_id_and_nothing_readable() -> None:
    assert SUBSCRIPTION is not None
    secret = {"kind": "encrypted_chat", "notification": {"title": "secret", "body": "secret"}}
    content = PushContent.of(stored(secret | {"data": {"app": "secret"}}))
    fcm = fcm_message(content, "tok")
    apns = apns_notification(content, APNS_TOKEN)
    web = webpush_message(content, SUBSCRIPTION)

    assert fcm.notification is None
    assert (fcm.data or {})["type"] == "PUSH_NOTIFICATION_CHAT"
    assert apns.push_type == "background" and "alert" not in apns.payload["aps"]
    assert json.loads(web.data) == {"type": "PUSH_NOTIFICATION_CHAT", "sid": "n-1"}
    for wire in (fcm.model_dump_json(), apns.body().decode(), web.data.decode()):
        assert "secret" not in wire and "0xchannel" not in wire
    # Nothing readable is kept for the retries either.
    assert "secret" not in json.dumps(content.payload)


def test_every_copy_of_a_push_shares_one_collapse_key() -> None:
    assert SUBSCRIPTION is not None
    content = big(body="x", app="y")
    fcm = fcm_message(content, "tok")
    assert fcm.android is not None and fcm.android.collapse_key == "n-1"
    assert apns_notification(content, APNS_TOKEN).collapse_id == "n-1"
    topic = webpush_message(content, SUBSCRIPTION).topic
    assert topic is not None and topic == webpush_message(content, SUBSCRIPTION).topic
