"""Storage relays a withdrawal onto messages-stored, where it follows the message it cancels."""

from __future__ import annotations

from pushnode_shared.infra.consumer import HandlerContext
from pushnode_shared.infra.ipfs import MemoryBlockStore
from pushnode_shared.protocol.events import NotificationWithdrawn, payload_of, wrap
from pushnode_shared.protocol.events.storage import MessageWithdrawn
from pushnode_shared.protocol.topics import MESSAGES_STORED
from pushnode_storage.handlers import Handlers


async def test_a_withdrawn_notification_is_relayed_as_message_withdrawn_keyed_by_channel() -> None:
    gone = NotificationWithdrawn(
        notification_id="n1", channel="0xc", chain_id=1, block_number=9, tx_hash="0xt"
    )
    cause = wrap(gone, producer="validator")
    ctx = HandlerContext(session=None, replay=False)  # type: ignore[arg-type]  # unused
    await Handlers(MemoryBlockStore()).mapping()["NotificationWithdrawn"](ctx, cause)
    [(topic, relayed)] = ctx.outbox
    assert (topic, relayed.key, relayed.causation_id) == (MESSAGES_STORED, "0xc", cause.event_id)
    assert payload_of(relayed, MessageWithdrawn).notification_id == "n1"
