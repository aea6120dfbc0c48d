"""Pure: a stored message as the SDK reads it: the feed item (IFeed), the channel's sent
notification (stored once), and its v2 shape (getChannelNotifications, PushStream events)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from eth_utils.address import to_checksum_address

from pushnode_shared.protocol.events import MessageStored, MessageWithdrawn


def payload_id(notification_id: str) -> int:
    """A stable integer id (< 2**52, safe in JavaScript) for the SDK's payload_id."""
    return int(uuid.UUID(notification_id).hex[:13], 16)


def feed_item(stored: MessageStored, recipient: str) -> dict[str, Any]:
    """One notification as the feeds API and the userFeeds socket event carry it."""
    data = dict(stored.payload.get("data", {}))
    data.setdefault("sid", stored.notification_id)
    data.setdefault("epoch", str(int(stored.submitted_at.timestamp())))
    return {
        "payload_id": payload_id(stored.notification_id),
        "sid": stored.notification_id,
        "sender": stored.channel,
        "epoch": _iso(stored.submitted_at),
        "source": stored.source,
        "etime": data.get("etime"),
        "cid": stored.cid,
        "payload": {
            "data": data,
            "notification": stored.payload.get("notification", {}),
            "recipients": stored.payload.get("recipients", recipient),
            "verificationProof": stored.verification_proof,
        },
    }


def _iso(moment: datetime) -> str:
    # Always with microseconds: feed rows are ordered and ranged by this string, and
    # "…:05Z" would sort after "…:05.2Z" if whole seconds dropped the fraction.
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


TYPE_NAMES = {1: "BROADCAST", 3: "TARGETTED", 4: "SUBSET"}


def kind_of(stored: MessageStored) -> int:
    """The payload's notification type (1 broadcast, 3 targeted, 4 subset); 0 if unreadable."""
    try:
        return int(str(stored.payload.get("data", {}).get("type")))
    except ValueError:
        return 0


def channel_item(stored: MessageStored) -> dict[str, Any]:
    """The feed item without a particular recipient, plus every recipient's address."""
    item = feed_item(stored, stored.channel)
    item["recipients"] = [r.address for r in stored.recipients]
    item["spam"] = [r.address for r in stored.recipients if r.spam]
    item["chain_id"] = stored.chain_id
    if stored.broadcast is not None:
        item["broadcast"] = stored.broadcast.model_dump(exclude={"held_back"})
    return item


def delivery_feeds(item: dict[str, Any]) -> list[dict[str, Any]]:
    """What a delivery node reads (`liveFeeds`, `historicalFeeds`): one feed object per
    notification and box — inbox recipients with is_spam 0, spam recipients with is_spam 1.

    A broadcast is one inbox feed with no `users` and its `broadcast` {channel, position}:
    its audience is the channel's subscribers at that position, never listed here."""
    spam = set(item.get("spam", []))
    groups = (
        (0, [r for r in item.get("recipients", []) if r not in spam]),
        (1, [r for r in item.get("recipients", []) if r in spam]),
    )
    base = {k: v for k, v in item.items() if k not in ("recipients", "spam", "chain_id")}
    sender = f"eip155:{item.get('chain_id')}:{to_checksum_address(item['sender'])}"
    return [
        {**base, "sender": sender, "users": users, "is_spam": flag}
        for flag, users in groups
        if users or (flag == 0 and "broadcast" in item)
    ]


def v2_notification(item: dict[str, Any]) -> dict[str, Any]:
    """One entry of GET /v2/channels/{caip}/notifications."""
    data = item["payload"]["data"]
    notification = item["payload"].get("notification", {})
    meta = data.get("additionalMeta") if isinstance(data.get("additionalMeta"), dict) else {}
    kind = int(data.get("type") or 0) if str(data.get("type") or "0").isdigit() else 0
    return {
        "timestamp": item["epoch"],
        "from": to_checksum_address(item["sender"]),
        "to": [to_checksum_address(r) for r in item.get("recipients", [])],
        "notifID": item["payload_id"],
        "channel": {"name": data.get("app"), "icon": data.get("icon"), "url": data.get("url")},
        "meta": {"type": f"NOTIFICATION.{TYPE_NAMES.get(kind, 'BROADCAST')}"},
        "message": {
            "notification": {"title": notification.get("title"), "body": notification.get("body")},
            "payload": {
                "title": data.get("asub"),
                "body": data.get("amsg"),
                "cta": data.get("acta"),
                "embed": data.get("aimg"),
                "meta": {
                    "domain": meta.get("domain") or "push.org",
                    "type": meta.get("type"),
                    "data": meta.get("data"),
                },
            },
        },
        "config": {
            "expiry": data.get("etime"),
            "silent": str(data.get("silent")) == "1",
            "hidden": str(data.get("hidden")) == "1",
        },
        "source": item["source"],
        "raw": {"verificationProof": item["payload"]["verificationProof"]},
    }


def withdrawn_event(withdrawn: MessageWithdrawn) -> dict[str, Any]:
    """The `notificationWithdrawn` socket event: which item (`sid`) went, and why."""
    return {
        "sid": withdrawn.notification_id,
        "channel": withdrawn.channel,
        "chain_id": withdrawn.chain_id,
        "reason": withdrawn.reason,
    }
