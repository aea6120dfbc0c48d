"""Pure dispatch rules: who gets a phone push, and the FCM message for one device."""

from __future__ import annotations

import json

from pushnode_dispatcher.adapters.fcm import AndroidConfig, ApnsConfig, FcmMessage, Notification
from pushnode_shared.events import MessageStored, Recipient


def pushable(stored: MessageStored) -> list[Recipient]:
    """Inbox recipients of a non-silent notification; spam never reaches phones."""
    if str(stored.payload.get("data", {}).get("silent", "0")) == "1":
        return []
    return [r for r in stored.recipients if not r.spam]


def fcm_message(stored: MessageStored, token: str) -> FcmMessage:
    """The FCM v1 message for one device, in the shape Push's delivery node sends."""
    notification = stored.payload.get("notification", {})
    data = stored.payload.get("data", {})
    details = {"subType": "INBOX", "info": {"sid": stored.notification_id, "cid": stored.cid}}
    return FcmMessage(
        token=token,
        notification=Notification(title=notification.get("title"), body=notification.get("body")),
        data={
            "type": "PUSH_NOTIFICATION_CHANNEL",
            "details": json.dumps(details, sort_keys=True),
            "sender": stored.channel,
            "app": str(data.get("app", "")),
        },
        android=AndroidConfig(priority="HIGH"),
        apns=ApnsConfig(
            headers={"apns-priority": "5"},
            payload={"aps": {"content-available": 1, "mutable-content": 1}},
        ),
    )
