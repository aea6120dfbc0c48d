"""Only inbox recipients of audible notifications get phone pushes, in FCM's shape."""

from __future__ import annotations

from datetime import UTC, datetime

from pushnode_dispatcher.domain import fcm_message, pushable
from pushnode_shared.events import MessageStored, Recipient


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
            "data": {"type": "4", "silent": silent},
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
    message = fcm_message(stored(), "tok")
    assert (message.notification.title, message.notification.body) == ("T", "B")  # type: ignore[union-attr]
    assert all(isinstance(v, str) for v in (message.data or {}).values())
    assert message.local_problem() is None
