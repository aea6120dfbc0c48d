"""Storage handlers: consume protocol-decisions, produce messages-stored.

Consumes NotificationAccepted; puts its stored form into IPFS (idempotent by content),
indexes the CID, and produces MessageStored with an id derived from the decision's id.
"""

from __future__ import annotations

from pushnode_shared.consumer import Handler, HandlerContext, TransientError
from pushnode_shared.envelope import Envelope, derive_id
from pushnode_shared.events import MessageStored, NotificationAccepted, payload_of, wrap
from pushnode_shared.ipfs import BlockStore
from pushnode_shared.topics import MESSAGES_STORED
from pushnode_storage import domain
from pushnode_storage.adapters import db

PRODUCER = "storage"


class Handlers:
    """Handlers with the block store injected by bootstrap."""

    def __init__(self, blocks: BlockStore) -> None:
        self.blocks = blocks

    def mapping(self) -> dict[str, Handler]:
        """Event type -> handler."""
        return {"NotificationAccepted": self.on_notification_accepted}

    async def on_notification_accepted(self, ctx: HandlerContext, envelope: Envelope) -> None:
        accepted = payload_of(envelope, NotificationAccepted)
        data = domain.canonical_bytes(domain.stored_form(accepted))
        expected = domain.cid_of(data)
        cid = await self.blocks.put(data)
        if cid != expected:
            # Never index a CID clients could not recompute; retry rather than skip.
            raise TransientError(f"kubo returned {cid}, expected {expected}")
        await db.record(ctx.session, accepted.notification_id, cid, accepted.channel, len(data))
        stored = MessageStored(
            notification_id=accepted.notification_id,
            cid=cid,
            channel=accepted.channel,
            chain_id=accepted.chain_id,
            sender=accepted.sender,
            recipients=accepted.recipients,
            payload=accepted.payload,
            verification_proof=accepted.verification_proof,
            source=accepted.source,
            submitted_at=accepted.submitted_at,
        )
        ctx.publish(
            MESSAGES_STORED,
            wrap(
                stored,
                producer=PRODUCER,
                event_id=derive_id(envelope.event_id, "stored"),
                causation_id=envelope.event_id,
                occurred_at=envelope.occurred_at,
            ),
        )
