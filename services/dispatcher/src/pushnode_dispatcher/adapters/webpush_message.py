"""The Web Push message: the browser's subscription, the plaintext it shows, and its limits."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pushnode_dispatcher.domain import PushContent, fit

__all__ = [
    "SubscriptionKeys",
    "WebPushMessage",
    "WebPushSubscription",
    "web_subscription",
    "webpush_message",
]

# Push services must accept 4096 bytes of body (RFC 8030 §7.2). One aes128gcm record
# spends 86 on its header (salt, rs, 65-byte key id), 16 on the tag and 1 on the delimiter.
BODY_LIMIT = 4096
PLAINTEXT_LIMIT = BODY_LIMIT - 86 - 16 - 1
MAX_TTL = 2_419_200  # four weeks, what browsers' push services keep at most


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SubscriptionKeys(_Model):
    p256dh: str
    auth: str


class WebPushSubscription(_Model):
    """A browser's PushSubscription as `toJSON()` gives it."""

    endpoint: str
    keys: SubscriptionKeys


class WebPushMessage(_Model):
    """One push to one subscription; `data` is the plaintext the browser will see."""

    subscription: WebPushSubscription
    data: bytes = b""
    ttl: int = Field(default=86_400, ge=0, le=MAX_TTL)
    urgency: Literal["very-low", "low", "normal", "high"] | None = None
    # Replaces an undelivered message with the same topic (RFC 8030 §5.4).
    topic: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,32}$")

    def local_problem(self) -> str | None:
        if len(self.data) > PLAINTEXT_LIMIT:
            return f"payload is {len(self.data)} bytes, Web Push allows {PLAINTEXT_LIMIT}"
        return None


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
    """The encrypted-to-the-browser JSON a service worker shows, trimmed to fit one record."""
    return fit(
        content,
        lambda c: _webpush_message(c, subscription),
        lambda m: len(m.data),
        PLAINTEXT_LIMIT,
    )


def _webpush_message(content: PushContent, subscription: WebPushSubscription) -> WebPushMessage:
    data: dict[str, Any] = {"type": content.push_type, "sid": content.notification_id}
    if not content.private:
        data |= {"title": content.title, "body": content.body, "cid": content.cid}
        data |= {"sender": content.sender, "app": content.app}
    body = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    # The Topic replaces an undelivered earlier copy, so a resend is never shown twice.
    topic = _web_topic(content.notification_id)
    return WebPushMessage(subscription=subscription, data=body, urgency="normal", topic=topic)


def _web_topic(notification_id: str) -> str:
    return hashlib.sha256(notification_id.encode()).hexdigest()[:32]
