"""Pure: the withdrawal a retracted SendNotification log stands for."""

from __future__ import annotations

from pushnode_shared.protocol.events import ChainEventRetracted, NotificationWithdrawn
from pushnode_validator.domain.notice import onchain_notification_id

NOTIFYING_EVENT = "SendNotification"


def notification_of(retracted: ChainEventRetracted) -> str | None:
    """The id of the notification the retracted log carried; None if it carried none."""
    if retracted.event != NOTIFYING_EVENT:
        return None
    return onchain_notification_id(retracted.chain_id, retracted.tx_hash, retracted.log_index)


def withdrawal(retracted: ChainEventRetracted, notification_id: str) -> NotificationWithdrawn:
    """The decision that an accepted notification no longer happened: its log was reorged."""
    return NotificationWithdrawn(
        notification_id=notification_id,
        channel=retracted.channel,
        chain_id=retracted.chain_id,
        block_number=retracted.block_number,
        tx_hash=retracted.tx_hash,
        reason="reorg",
    )
