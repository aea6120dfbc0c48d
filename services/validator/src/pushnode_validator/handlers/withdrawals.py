"""Retracted notifications: consumes ChainEventRetracted of a SendNotification log; produces
NotificationWithdrawn when the validator had accepted the notification it carried."""

from __future__ import annotations

from pushnode_shared.infra.consumer import HandlerContext
from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.protocol.events import ChainEventRetracted
from pushnode_validator.adapters.batch import BatchView
from pushnode_validator.domain.withdrawals import notification_of, withdrawal
from pushnode_validator.handlers.emit import emit


async def withdraw(
    ctx: HandlerContext, view: BatchView, cause: Envelope, retracted: ChainEventRetracted
) -> None:
    """Withdraw the accepted notification of a retracted log; a refused one had no effect."""
    notification_id = notification_of(retracted)
    if notification_id is None or not await view.accepted(notification_id):
        return
    await view.withdraw(notification_id)
    emit(ctx, cause, withdrawal(retracted, notification_id), "withdrawn")
