"""storage-uploads: puts content uploaded through the gateway into kubo, pinned, and notes
which uploads a channel references, for the sweep that unpins the rest (sweep.py).

The storage service owns kubo writes; the gateway only appends ContentUploaded. While kubo is
down the put raises TransientError, the batch rolls back and is retried: nothing is skipped.
A channel references an upload when the validator resolved its `1+<cid>` identity
(ChannelMetadataResolved on protocol-decisions), whichever of the two came first on the log.
"""

from __future__ import annotations

from pushnode_shared.infra.consumer import Handler, HandlerContext, TransientError
from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.infra.ipfs import BlockStore, cid_of
from pushnode_shared.protocol.events import ContentUploaded, payload_of
from pushnode_shared.protocol.events.channel_meta import ChannelMetadataResolved
from pushnode_storage.adapters import uploads_db


class UploadHandlers:
    """Handlers with the block store injected by bootstrap."""

    def __init__(self, blocks: BlockStore) -> None:
        self.blocks = blocks

    def mapping(self) -> dict[str, Handler]:
        """Event type -> handler."""
        return {
            "ContentUploaded": self.on_content_uploaded,
            "ChannelMetadataResolved": self.on_channel_metadata_resolved,
        }

    async def on_content_uploaded(self, ctx: HandlerContext, envelope: Envelope) -> None:
        uploaded = payload_of(envelope, ContentUploaded)
        data = uploaded.data.encode("utf-8")
        if cid_of(data) != uploaded.cid:
            # The gateway computed the CID from these bytes; a mismatch is a poison record.
            raise ValueError(f"upload {uploaded.cid} does not hash to its CID")
        cid = await self.blocks.put(data)
        if cid != uploaded.cid:
            raise TransientError(f"kubo returned {cid}, expected {uploaded.cid}")
        await uploads_db.record_upload(ctx.session, cid, uploaded.uploaded_at)

    async def on_channel_metadata_resolved(self, ctx: HandlerContext, envelope: Envelope) -> None:
        await uploads_db.mark_referenced(
            ctx.session, payload_of(envelope, ChannelMetadataResolved).cid
        )
