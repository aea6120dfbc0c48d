"""Storage handlers: consume protocol-decisions, produce messages-stored.

Consumes NotificationAccepted; puts its stored form into IPFS (idempotent by content),
indexes the CID, and produces MessageStored with an id derived from the decision's id.
Consumes NotificationWithdrawn; relays it as MessageWithdrawn, after the MessageStored it
cancels in the same messages-stored partition (both keyed by channel).
"""

from __future__ import annotations

from pushnode_shared.infra.consumer import Handler, HandlerContext, TransientError
from pushnode_shared.infra.envelope import Envelope, MalformedEvent
from pushnode_shared.infra.ipfs import BlockStore
from pushnode_shared.protocol.events import (
    MessageStored,
    MessageWithdrawn,
    NotificationAccepted,
    NotificationWithdrawn,
    payload_of,
)
from pushnode_shared.protocol.topics import MESSAGES_STORED
from pushnode_storage import domain
from pushnode_storage.adapters import db
from pushnode_storage.adapters.blocks import put_all


class Handlers:
    """Handlers with the block store injected by bootstrap."""

    def __init__(self, blocks: BlockStore, parallel: int = 16) -> None:
        self.blocks = blocks
        self.parallel = parallel
        # CIDs kubo already confirmed in this batch's prepare step (content-addressed, so a
        # stale entry can only ever name the same bytes).
        self.put_done: dict[bytes, str] = {}

    def mapping(self) -> dict[str, Handler]:
        """Event type -> handler."""
        return {
            "NotificationAccepted": self.on_notification_accepted,
            "NotificationWithdrawn": self.on_notification_withdrawn,
        }

    async def prepare(self, envelopes: list[Envelope]) -> None:
        """Put every accepted message of the batch into kubo concurrently, before the handlers."""
        self.put_done.clear()
        datas = []
        for envelope in envelopes:
            if envelope.type != "NotificationAccepted":
                continue
            try:
                accepted = payload_of(envelope, NotificationAccepted)
            except MalformedEvent:
                continue  # the handler pass dead-letters it
            datas.append(domain.canonical_bytes(domain.stored_form(accepted)))
        self.put_done = await put_all(self.blocks, datas, self.parallel)

    async def on_notification_accepted(self, ctx: HandlerContext, envelope: Envelope) -> None:
        accepted = payload_of(envelope, NotificationAccepted)
        data = domain.canonical_bytes(domain.stored_form(accepted))
        expected = domain.cid_of(data)
        cid = self.put_done.get(data) or await self.blocks.put(data)
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
            broadcast=accepted.broadcast,
            payload=accepted.payload,
            verification_proof=accepted.verification_proof,
            source=accepted.source,
            submitted_at=accepted.submitted_at,
        )
        ctx.publish(MESSAGES_STORED, domain.consequence(envelope, stored, "stored"))

    async def on_notification_withdrawn(self, ctx: HandlerContext, envelope: Envelope) -> None:
        withdrawn = payload_of(envelope, NotificationWithdrawn)
        relayed = MessageWithdrawn(
            notification_id=withdrawn.notification_id,
            channel=withdrawn.channel,
            chain_id=withdrawn.chain_id,
            reason=withdrawn.reason,
        )
        ctx.publish(MESSAGES_STORED, domain.consequence(envelope, relayed, "withdrawn"))
