"""The APNs notification: its payload and headers, its limits, and how one is built."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from pushnode_dispatcher.domain import PushContent, fit

__all__ = ["ApnsNotification", "apns_notification"]

PAYLOAD_LIMIT = 4096
COLLAPSE_ID_LIMIT = 64


class ApnsNotification(BaseModel):
    """One notification to one device token: the JSON payload plus APNs's request headers."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    device_token: str
    payload: dict[str, Any]
    # The app's bundle ID; None means the client's default topic.
    topic: str | None = None
    push_type: Literal["alert", "background"] = "alert"
    # None means what Apple asks for: 10 for alerts, 5 for background pushes.
    priority: Literal[10, 5, 1] | None = None
    collapse_id: str | None = None
    # Unix seconds until which APNs may store and retry; 0 means deliver now or never.
    expiration: int | None = Field(default=None, ge=0)

    def body(self) -> bytes:
        return json.dumps(self.payload, separators=(",", ":"), ensure_ascii=False).encode()

    def headers(self, default_topic: str | None) -> dict[str, str]:
        priority = self.priority or (10 if self.push_type == "alert" else 5)
        headers = {"apns-push-type": self.push_type, "apns-priority": str(priority)}
        if topic := self.topic or default_topic:
            headers["apns-topic"] = topic
        if self.collapse_id is not None:
            headers["apns-collapse-id"] = self.collapse_id
        if self.expiration is not None:
            headers["apns-expiration"] = str(self.expiration)
        return headers

    def local_problem(self) -> str | None:
        """What APNs would refuse that we can see without asking."""
        if not isinstance(self.payload.get("aps"), dict):
            return "payload has no aps dictionary"
        if (size := len(self.body())) > PAYLOAD_LIMIT:
            return f"payload is {size} bytes, APNs allows {PAYLOAD_LIMIT}"
        if self.collapse_id is not None and len(self.collapse_id.encode()) > COLLAPSE_ID_LIMIT:
            return f"apns-collapse-id is longer than {COLLAPSE_ID_LIMIT} bytes"
        if self.push_type == "background" and self.priority == 10:
            return "background pushes must have priority 5 or 1"
        return None


def apns_notification(content: PushContent, token: str) -> ApnsNotification:
    """The APNs push for one device, collapsed per notification, trimmed to APNs's 4 KB."""
    return fit(
        content, lambda c: _apns_notification(c, token), lambda n: len(n.body()), PAYLOAD_LIMIT
    )


def _apns_notification(content: PushContent, token: str) -> ApnsNotification:
    collapse = content.notification_id
    collapse_id = collapse if len(collapse.encode()) <= COLLAPSE_ID_LIMIT else None
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
