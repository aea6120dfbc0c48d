"""Pure dispatch rules: who gets a push, through which provider, in what shape, when to retry.

Also the ports the rules speak through: a `Pusher` sends one push and answers with a
`SendOutcome`. The provider adapters implement them; nothing here imports an adapter.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from pushnode_shared.protocol.events import DeliveryRetryScheduled, MessageStored, Recipient

# An APNs device token is the hex of 32 (today) to 100 bytes. FCM registration tokens are
# longer and carry ':', '-' and '_', so the two never look alike.
APNS_TOKEN = re.compile(r"[0-9a-fA-F]{64,200}")
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


class Outcome(StrEnum):
    """What the caller should do next with this message and its token."""

    DELIVERED = "delivered"
    DROP_TOKEN = "drop_token"
    BAD_REQUEST = "bad_request"
    RETRY = "retry"
    CREDENTIALS = "credentials"


@dataclass(frozen=True, slots=True)
class SendOutcome:
    """What a push provider said about one send, in one shape for FCM, APNs and Web Push."""

    kind: Outcome
    detail: str = ""
    # The provider's id for the accepted message: FCM's message name, APNs's apns-id,
    # the Web Push service's Location.
    message_name: str | None = None
    # Seconds the provider asked us to wait (Retry-After), only ever set on RETRY.
    retry_after: float | None = None
    http_status: int | None = None
    # The provider's own error code: FCM's errorCode (or canonical status), APNs's reason.
    error_code: str | None = None


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


class Pusher(Protocol):
    """Sends one notification to one device token; every failure comes back as an outcome."""

    async def push(self, content: PushContent, token: str) -> SendOutcome: ...


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
