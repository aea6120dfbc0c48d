"""Facts the storage service records once a message is on IPFS."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pushnode_shared.protocol.events.base import ChannelKeyed, register
from pushnode_shared.protocol.events.notifications import Broadcast, Recipient


@register
class MessageStored(ChannelKeyed):
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


@register
class MessageWithdrawn(ChannelKeyed):
    """A stored notification was withdrawn (its chain log was reorged away): readers drop it.

    Relayed from NotificationWithdrawn onto messages-stored so it follows the MessageStored it
    cancels in the same partition: feeds and sockets see the two in order.
    """

    TYPE = "MessageWithdrawn"

    notification_id: str
    channel: str
    chain_id: int
    reason: str
