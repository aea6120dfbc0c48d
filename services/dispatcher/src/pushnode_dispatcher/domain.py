"""Pure dispatch rules: who gets a push, through which provider, in what shape, when to retry."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import ValidationError

from pushnode_dispatcher.adapters.apns import PAYLOAD_LIMIT as APNS_LIMIT
from pushnode_dispatcher.adapters.apns import ApnsNotification
from pushnode_dispatcher.adapters.fcm import PAYLOAD_LIMIT as FCM_LIMIT
from pushnode_dispatcher.adapters.fcm import AndroidConfig, ApnsConfig, FcmMessage, Notification
from pushnode_dispatcher.adapters.webpush import PLAINTEXT_LIMIT as WEBPUSH_PLAINTEXT_LIMIT
from pushnode_dispatcher.adapters.webpush import WebPushMessage, WebPushSubscription
from pushnode_shared.events import DeliveryRetryScheduled, MessageStored, Recipient

# An APNs device token is the hex of 32 (today) to 100 bytes. FCM registration tokens are
# longer and carry ':', '-' and '_', so the two never look alike.
APNS_TOKEN = re.compile(r"[0-9a-fA-F]{64,200}")
APNS_COLLAPSE_ID_LIMIT = 64
# Fields a push can lose to fit the providers' 4 KB, dropped in this order; the body is then
# shortened. The notification id, the type and the title are required and never trimmed.
OPTIONAL_FIELDS = ("app", "sender")
ELLIPSIS = "\u2026"
# What a content-free push says instead: the app fetches and decrypts the message itself.
CHAT_PUSH_TYPE = "PUSH_NOTIFICATION_CHAT"
CHANNEL_PUSH_TYPE = "PUSH_NOTIFICATION_CHANNEL"
# Markers of an end-to-end encrypted chat message on the stored message: its `kind`, an
# encryption type other than plain text, or Push's chat proof (`…:internal:<chat id>`).
ENCRYPTED_KIND = "encrypted_chat"
PLAIN_ENC_TYPES = frozenset({"", "plaintext"})
M = TypeVar("M")


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
    # Optional fields left out to fit the provider's size limit, and the body cut to this
    # many characters (None: whole).
    omitted: frozenset[str] = field(default=frozenset())
    body_chars: int | None = None

    @classmethod
    def of(cls, stored: MessageStored) -> PushContent:
        if is_encrypted_chat(stored.payload, stored.verification_proof):
            return cls.content_free(stored.notification_id, stored.cid, stored.channel)
        return cls(stored.notification_id, stored.cid, stored.channel, stored.payload)

    @classmethod
    def content_free(cls, notification_id: str, cid: str, channel: str) -> PushContent:
        """A push that says only "something new": no title, body or sender leaves the node."""
        return cls(notification_id, cid, "", {"kind": ENCRYPTED_KIND})

    @property
    def private(self) -> bool:
        """An encrypted chat message: the push carries its id and nothing else."""
        return self.payload.get("kind") == ENCRYPTED_KIND

    @property
    def push_type(self) -> str:
        return CHAT_PUSH_TYPE if self.private else CHANNEL_PUSH_TYPE

    @property
    def sender(self) -> str:
        return "" if "sender" in self.omitted else self.channel

    def without(self, name: str) -> PushContent:
        return replace(self, omitted=self.omitted | {name})

    def cut_body(self, chars: int) -> PushContent:
        return replace(self, body_chars=max(0, chars))

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
        if value is None:
            return None
        text = str(value)
        if self.body_chars is None or len(text) <= self.body_chars:
            return text
        if self.body_chars <= 1:
            return ""  # nothing of the body is left worth an ellipsis
        return text[: max(0, self.body_chars - 1)] + ELLIPSIS

    @property
    def app(self) -> str:
        return "" if "app" in self.omitted else str(self.payload.get("data", {}).get("app", ""))

    def details(self) -> str:
        """Push's `details` JSON string: what the app opens when the push is tapped."""
        info = {"sid": self.notification_id, "cid": self.cid}
        sub_type = "INDIVIDUAL_CHAT" if self.private else "INBOX"
        return json.dumps({"subType": sub_type, "info": info}, sort_keys=True)


def is_encrypted_chat(payload: dict[str, Any], proof: str = "") -> bool:
    """Whether a stored message is end-to-end encrypted chat (its push must be content-free)."""
    if payload.get("kind") == ENCRYPTED_KIND:
        return True
    enc_types = (payload.get("encType"), payload.get("data", {}).get("encType"))
    if any(str(t).lower() not in PLAIN_ENC_TYPES for t in enc_types if t is not None):
        return True
    return ":internal:" in proof


def fit(
    content: PushContent, build: Callable[[PushContent], M], size: Callable[[M], int], limit: int
) -> M:
    """The provider message for `content`, trimmed until `size` is within `limit`.

    Optional fields go first, then the body is shortened (with an ellipsis). If the required
    fields alone are too big, the untrimmable message is returned and the client refuses it
    locally as a bad request.
    """
    message = build(content)
    for name in OPTIONAL_FIELDS:
        if size(message) <= limit:
            return message
        content = content.without(name)
        message = build(content)
    # Cut the body by the excess in UTF-8 bytes, at a character boundary. JSON escapes can
    # leave a few bytes over; each pass shortens the body, so this ends in a pass or two.
    original = str(content.payload.get("notification", {}).get("body", ""))
    while (excess := size(message) - limit) > 0 and content.body:
        target = len(content.body.encode()) - excess - len(ELLIPSIS.encode())
        kept = len(original.encode()[: max(0, target)].decode(errors="ignore"))
        content = content.cut_body(kept + 1 if kept > 0 else 0)
        message = build(content)
    return message


@dataclass(frozen=True, slots=True)
class Target:
    """One device to push to, and the provider its registration routes to."""

    wallet: str
    token: str
    provider: Provider
    platform: str = ""
    # The configured app whose credentials send it ("" for the node's default app).
    app: str = ""


def pushable(stored: MessageStored) -> list[Recipient]:
    """Inbox recipients of a non-silent notification; spam never reaches phones."""
    if silent(stored):
        return []
    return [r for r in stored.recipients if not r.spam]


def silent(stored: MessageStored) -> bool:
    """The channel asked for no push (data.silent = "1")."""
    return str(stored.payload.get("data", {}).get("silent", "0")) == "1"


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
    """The FCM v1 message for one device, in Push's shape, trimmed to FCM's 4 KB."""
    return fit(content, lambda c: _fcm_message(c, token), FcmMessage.payload_size, FCM_LIMIT)


def _fcm_message(content: PushContent, token: str) -> FcmMessage:
    data = {"type": content.push_type, "details": content.details()}
    if content.private:
        # Data only: the app wakes, fetches and decrypts; nothing readable crosses Google.
        return FcmMessage(
            token=token,
            data=data,
            android=AndroidConfig(priority="HIGH", collapse_key=content.notification_id),
            apns=ApnsConfig(
                headers={"apns-priority": "5", "apns-push-type": "background"},
                payload={"aps": {"content-available": 1}},
            ),
        )
    return FcmMessage(
        token=token,
        notification=Notification(title=content.title, body=content.body),
        data=data | {"sender": content.sender, "app": content.app},
        android=AndroidConfig(priority="HIGH", collapse_key=content.notification_id),
        apns=ApnsConfig(
            headers={"apns-priority": "5"},
            payload={"aps": {"content-available": 1, "mutable-content": 1}},
        ),
    )


def apns_notification(content: PushContent, token: str) -> ApnsNotification:
    """The APNs push for one device, collapsed per notification, trimmed to APNs's 4 KB."""
    return fit(content, lambda c: _apns_notification(c, token), lambda n: len(n.body()), APNS_LIMIT)


def _apns_notification(content: PushContent, token: str) -> ApnsNotification:
    collapse = content.notification_id
    collapse_id = collapse if len(collapse.encode()) <= APNS_COLLAPSE_ID_LIMIT else None
    common = {"type": content.push_type, "details": content.details()}
    if content.private:
        return ApnsNotification(
            device_token=token,
            payload={"aps": {"content-available": 1}} | common,
            push_type="background",
            priority=5,
            collapse_id=collapse_id,
        )
    alert = {k: v for k, v in (("title", content.title), ("body", content.body)) if v}
    return ApnsNotification(
        device_token=token,
        payload={"aps": {"alert": alert, "mutable-content": 1, "sound": "default"}}
        | common
        | {"sender": content.sender, "app": content.app},
        push_type="alert",
        collapse_id=collapse_id,
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
    """The encrypted-to-the-browser JSON a service worker shows, trimmed to fit one record."""
    return fit(
        content,
        lambda c: _webpush_message(c, subscription),
        lambda m: len(m.data),
        WEBPUSH_PLAINTEXT_LIMIT,
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
