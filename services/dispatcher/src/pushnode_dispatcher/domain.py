"""Pure dispatch rules: who gets a push, through which provider, in what shape, when to retry."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from pushnode_dispatcher.adapters.apns import ApnsNotification
from pushnode_dispatcher.adapters.fcm import AndroidConfig, ApnsConfig, FcmMessage, Notification
from pushnode_dispatcher.adapters.webpush import WebPushMessage, WebPushSubscription
from pushnode_shared.events import DeliveryRetryScheduled, MessageStored, Recipient

# An APNs device token is the hex of 32 (today) to 100 bytes. FCM registration tokens are
# longer and carry ':', '-' and '_', so the two never look alike.
APNS_TOKEN = re.compile(r"[0-9a-fA-F]{64,200}")
APNS_COLLAPSE_ID_LIMIT = 64


class Provider(StrEnum):
    """A push provider the dispatcher can send through."""

    FCM = "fcm"
    APNS = "apns"
    WEBPUSH = "webpush"


@dataclass(frozen=True, slots=True)
class PushContent:
    """What every provider's message is built from: the stored notification's public part."""

    notification_id: str
    cid: str
    channel: str
    payload: dict[str, Any]

    @classmethod
    def of(cls, stored: MessageStored) -> PushContent:
        return cls(stored.notification_id, stored.cid, stored.channel, stored.payload)

    @classmethod
    def of_retry(cls, retry: DeliveryRetryScheduled) -> PushContent:
        return cls(retry.notification_id, retry.cid, retry.channel, retry.payload)

    @property
    def title(self) -> str | None:
        value = self.payload.get("notification", {}).get("title")
        return None if value is None else str(value)

    @property
    def body(self) -> str | None:
        value = self.payload.get("notification", {}).get("body")
        return None if value is None else str(value)

    @property
    def app(self) -> str:
        return str(self.payload.get("data", {}).get("app", ""))

    def details(self) -> str:
        """Push's `details` JSON string: what the app opens when the push is tapped."""
        info = {"sid": self.notification_id, "cid": self.cid}
        return json.dumps({"subType": "INBOX", "info": info}, sort_keys=True)


def pushable(stored: MessageStored) -> list[Recipient]:
    """Inbox recipients of a non-silent notification; spam never reaches phones."""
    if str(stored.payload.get("data", {}).get("silent", "0")) == "1":
        return []
    return [r for r in stored.recipients if not r.spam]


def route(platform: str, token: str, available: Collection[Provider]) -> Provider | None:
    """The provider for a registration, or None when the one it needs is not configured.

    iOS goes to APNs only when the node has APNs credentials and the token is an APNs
    token; Push's own apps register FCM tokens for iOS too, and FCM relays those to APNs.
    """
    wanted: Provider | None = None
    if platform == "android":
        wanted = Provider.FCM
    elif platform == "ios":
        direct = Provider.APNS in available and APNS_TOKEN.fullmatch(token) is not None
        wanted = Provider.APNS if direct else Provider.FCM
    elif platform == "web":
        wanted = Provider.WEBPUSH
    return wanted if wanted in available else None


def fcm_message(content: PushContent, token: str) -> FcmMessage:
    """The FCM v1 message for one device, in the shape Push's delivery node sends."""
    return FcmMessage(
        token=token,
        notification=Notification(title=content.title, body=content.body),
        data={
            "type": "PUSH_NOTIFICATION_CHANNEL",
            "details": content.details(),
            "sender": content.channel,
            "app": content.app,
        },
        android=AndroidConfig(priority="HIGH"),
        apns=ApnsConfig(
            headers={"apns-priority": "5"},
            payload={"aps": {"content-available": 1, "mutable-content": 1}},
        ),
    )


def apns_notification(content: PushContent, token: str) -> ApnsNotification:
    """The APNs alert for one device: Push's fields beside `aps`, collapsed per notification."""
    alert = {k: v for k, v in (("title", content.title), ("body", content.body)) if v}
    collapse = content.notification_id
    return ApnsNotification(
        device_token=token,
        payload={
            "aps": {"alert": alert, "mutable-content": 1, "sound": "default"},
            "type": "PUSH_NOTIFICATION_CHANNEL",
            "details": content.details(),
            "sender": content.channel,
            "app": content.app,
        },
        push_type="alert",
        collapse_id=collapse if len(collapse.encode()) <= APNS_COLLAPSE_ID_LIMIT else None,
    )


def web_subscription(token: str) -> WebPushSubscription | None:
    """The browser's PushSubscription JSON a web registration carries, or None if it is not.

    Only endpoint and keys matter; `toJSON()` also gives expirationTime, which is ignored.
    """
    try:
        data = json.loads(token)
        keys = data["keys"]
        return WebPushSubscription.model_validate(
            {"endpoint": data["endpoint"], "keys": {"p256dh": keys["p256dh"], "auth": keys["auth"]}}
        )
    except (ValueError, KeyError, TypeError, ValidationError):
        return None


def webpush_message(content: PushContent, subscription: WebPushSubscription) -> WebPushMessage:
    """The encrypted-to-the-browser JSON a service worker shows as a notification."""
    data = {
        "title": content.title,
        "body": content.body,
        "sid": content.notification_id,
        "cid": content.cid,
        "sender": content.channel,
        "app": content.app,
    }
    body = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    return WebPushMessage(subscription=subscription, data=body, urgency="normal")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with deterministic jitter, a floor of Retry-After, a cap on tries."""

    max_attempts: int = 5
    base_seconds: float = 2.0
    max_seconds: float = 900.0

    def gives_up_after(self, attempt: int) -> bool:
        """Whether a retryable failure of this attempt is the last one allowed."""
        return attempt >= self.max_attempts

    def delay(self, attempt: int, retry_after: float | None, seed: str) -> float:
        """Seconds to wait after failed attempt `attempt` (1-based) before the next one.

        The jitter (between half and all of the exponential step) comes from `seed`, so a
        replay schedules the same delay and many devices failing at once spread out.
        Retry-After is honoured as a floor; the cap bounds both.
        """
        step = self.base_seconds * 2.0 ** (attempt - 1)
        digest = hashlib.sha256(f"{seed}\x1f{attempt}".encode()).digest()
        fraction = int.from_bytes(digest[:8], "big") / 2**64
        jittered = step * (0.5 + 0.5 * fraction)
        return float(min(self.max_seconds, max(jittered, retry_after or 0.0)))
