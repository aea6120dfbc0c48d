"""Pure: the feed item the SDK reads (IFeed), built from a stored message."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pushnode_shared.events import MessageStored


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
