"""The FCM v1 message: its shape, its limits, and how one is built from a notification."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from pushnode_dispatcher.domain import PushContent, fit

__all__ = ["AndroidConfig", "ApnsConfig", "FcmMessage", "Notification", "fcm_message"]

PAYLOAD_LIMIT = 4096
RESERVED_KEYS = frozenset({"from", "message_type"})
RESERVED_PREFIXES = ("google.", "gcm.")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Notification(_Model):
    title: str | None = None
    body: str | None = None


class AndroidConfig(_Model):
    priority: Literal["NORMAL", "HIGH"] | None = None
    # A later message with the same key replaces an undelivered earlier one on the device.
    collapse_key: str | None = None


class ApnsConfig(_Model):
    headers: dict[str, str] | None = None
    payload: dict[str, Any] | None = None


class FcmMessage(_Model):
    """One message to one registration token, shaped like FCM v1's `Message`."""

    token: str
    notification: Notification | None = None
    data: dict[str, str] | None = None
    android: AndroidConfig | None = None
    apns: ApnsConfig | None = None

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)

    def payload_size(self) -> int:
        """Bytes of compact JSON of everything but the token.

        Google does not say exactly what it counts; this counts at least the keys and
        values it does, so a message that passes here is not too big there.
        """
        content = self.model_dump(mode="json", exclude_none=True, exclude={"token"})
        return len(json.dumps(content, separators=(",", ":"), ensure_ascii=False).encode())

    def local_problem(self) -> str | None:
        """What FCM would refuse with INVALID_ARGUMENT that we can see without asking."""
        reserved = [
            k for k in self.data or {} if k in RESERVED_KEYS or k.startswith(RESERVED_PREFIXES)
        ]
        if reserved:
            return f"reserved data key: {reserved[0]}"
        if (size := self.payload_size()) > PAYLOAD_LIMIT:
            return f"payload is {size} bytes, FCM allows {PAYLOAD_LIMIT}"
        return None


def fcm_message(content: PushContent, token: str) -> FcmMessage:
    """The FCM v1 message for one device, in Push's shape, trimmed to FCM's 4 KB."""
    return fit(content, lambda c: _fcm_message(c, token), FcmMessage.payload_size, PAYLOAD_LIMIT)


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
