"""gateway-uploads: channel metadata from ContentUploaded, so channel reads carry a name."""

from __future__ import annotations

import json

from pushnode_gateway.channels.adapters import read_model
from pushnode_shared.consumer import Handler, HandlerContext
from pushnode_shared.envelope import Envelope
from pushnode_shared.events import (
    ChannelAliasRemoved,
    ChannelAliasVerified,
    ChannelMetadataResolved,
    ContentUploaded,
    payload_of,
)


class ContentHandlers:
    """Keeps uploads that look like channel metadata (a JSON object with a string name)."""

    def mapping(self) -> dict[str, Handler]:
        """Event type -> handler."""
        return {"ContentUploaded": self.on_content_uploaded}

    async def on_content_uploaded(self, ctx: HandlerContext, envelope: Envelope) -> None:
        uploaded = payload_of(envelope, ContentUploaded)
        try:
            fields = json.loads(uploaded.data)
        except ValueError:
            return  # any content may be uploaded; only channel metadata is read here
        if isinstance(fields, dict) and isinstance(fields.get("name"), str):
            await read_model.add_channel_meta(ctx.session, uploaded.cid, fields)


class MetadataHandlers:
    """The validator's reading of a channel's `1+<cid>` identity from kubo: channel metadata
    that was not uploaded through this node (`ipfs add`, another node's upload)."""

    def mapping(self) -> dict[str, Handler]:
        """Event type -> handler."""
        return {"ChannelMetadataResolved": self.on_metadata_resolved}

    async def on_metadata_resolved(self, ctx: HandlerContext, envelope: Envelope) -> None:
        resolved = payload_of(envelope, ChannelMetadataResolved)
        if resolved.found and resolved.name is not None:
            fields = resolved.model_dump(include={"name", "info", "url", "icon"})
            await read_model.add_channel_meta(ctx.session, resolved.cid, fields)


class AliasHandlers:
    """The validator's alias decisions (ChannelAliasVerified / ChannelAliasRemoved) into the
    alias table the `/v1/alias/{caip}/channel` read answers from."""

    def mapping(self) -> dict[str, Handler]:
        """Event type -> handler."""
        return {
            "ChannelAliasVerified": self.on_alias_verified,
            "ChannelAliasRemoved": self.on_alias_removed,
        }

    async def on_alias_verified(self, ctx: HandlerContext, envelope: Envelope) -> None:
        verified = payload_of(envelope, ChannelAliasVerified)
        await read_model.set_alias(
            ctx.session,
            verified.alias_chain_id,
            verified.alias.lower(),
            verified.channel.lower(),
        )

    async def on_alias_removed(self, ctx: HandlerContext, envelope: Envelope) -> None:
        removed = payload_of(envelope, ChannelAliasRemoved)
        await read_model.set_alias(ctx.session, removed.alias_chain_id, removed.alias.lower(), None)
