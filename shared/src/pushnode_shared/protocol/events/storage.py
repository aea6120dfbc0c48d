"""Facts the storage service records once a message is on IPFS."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pushnode_shared.protocol.events.base import Event, register
from pushnode_shared.protocol.events.notifications import Broadcast, Recipient


@register
class MessageStored(Event):
    """An accepted notification was added to IPFS and pinned; cid addresses its stored form."""

    TYPE = "MessageStored"

    notification_id: str
    cid: str
    channel: str
    chain_id: int
    sender: str
    recipients: list[Recipient]
    broadcast: Broadcast | None = None  # as on NotificationAccepted
    payload: dict[str, Any]
    verification_proof: str
    source: str
    submitted_at: datetime

    def key(self) -> str:
        return self.channel
