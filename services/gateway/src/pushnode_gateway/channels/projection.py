"""gateway-protocol and gateway-uploads: the validator's channel decisions, alias decisions and
metadata readings (protocol-decisions), and uploads that look like channel metadata (uploads),
folded into the registry, the subscription periods a broadcast's audience is read from
(feeds/adapters/inbox.py), aliases and channel metadata. Every write is replay-safe; produces
nothing."""

from __future__ import annotations

import json

from pushnode_gateway.channels.adapters import discovery, read_model, registry, settings
from pushnode_gateway.channels.formatting import iso
from pushnode_gateway.feeds.adapters import inbox
from pushnode_shared.infra.consumer import Handler, HandlerContext
from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.protocol import periods
from pushnode_shared.protocol.events import (
    ChannelAliasRemoved,
    ChannelAliasVerified,
    ChannelCreated,
    ChannelMetadataResolved,
    ChannelSettingsChanged,
    ChannelStateChanged,
    ChannelUpdated,
    ChannelVerificationChanged,
    ContentUploaded,
    DelegateAdded,
    DelegateRemoved,
    SubscriptionAdded,
    SubscriptionRemoved,
    payload_of,
)


async def on_channel_created(ctx: HandlerContext, envelope: Envelope) -> None:
    created = payload_of(envelope, ChannelCreated)
    await registry.upsert_channel(
        ctx.session,
        {
            "channel": created.channel,
            "chain_id": created.chain_id,
            "channel_type": created.channel_type,
            "identity": created.identity,
            "created_block": created.block_number,
            # The envelope's time, not the wall clock: a rebuild writes the same value.
            "created_at": iso(envelope.occurred_at),
        },
    )


async def on_channel_state_changed(ctx: HandlerContext, envelope: Envelope) -> None:
    changed = payload_of(envelope, ChannelStateChanged)
    await registry.set_channel_state(ctx.session, changed.channel, changed.active, changed.cause)


async def on_channel_updated(ctx: HandlerContext, envelope: Envelope) -> None:
    updated = payload_of(envelope, ChannelUpdated)
    await registry.update_identity(ctx.session, updated.channel, updated.identity)


async def on_subscription_added(ctx: HandlerContext, envelope: Envelope) -> None:
    added = payload_of(envelope, SubscriptionAdded)
    await registry.add_subscription(ctx.session, added.channel, added.subscriber, added.chain_id)
    await settings.set_user(ctx.session, added.channel, added.subscriber, added.user_setting)
    await periods.opened(
        ctx.session, inbox.PERIODS, added.channel, added.subscriber, added.position
    )


async def on_subscription_removed(ctx: HandlerContext, envelope: Envelope) -> None:
    removed = payload_of(envelope, SubscriptionRemoved)
    await registry.remove_subscription(ctx.session, removed.channel, removed.subscriber)
    await settings.set_user(ctx.session, removed.channel, removed.subscriber, None)
    await periods.closed(
        ctx.session, inbox.PERIODS, removed.channel, removed.subscriber, removed.position
    )


async def on_delegate_added(ctx: HandlerContext, envelope: Envelope) -> None:
    added = payload_of(envelope, DelegateAdded)
    await registry.add_delegate(ctx.session, added.channel, added.chain_id, added.delegate)


async def on_delegate_removed(ctx: HandlerContext, envelope: Envelope) -> None:
    removed = payload_of(envelope, DelegateRemoved)
    await registry.remove_delegate(ctx.session, removed.channel, removed.chain_id, removed.delegate)


async def on_content_uploaded(ctx: HandlerContext, envelope: Envelope) -> None:
    """Keeps uploads that look like channel metadata (a JSON object with a string name)."""
    uploaded = payload_of(envelope, ContentUploaded)
    try:
        fields = json.loads(uploaded.data)
    except ValueError:
        return  # any content may be uploaded; only channel metadata is read here
    if isinstance(fields, dict) and isinstance(fields.get("name"), str):
        await read_model.add_channel_meta(ctx.session, uploaded.cid, fields)
        await discovery.add_tags(ctx.session, uploaded.cid, discovery.tags_in(fields))


async def on_metadata_resolved(ctx: HandlerContext, envelope: Envelope) -> None:
    """The validator's reading of a channel's `1+<cid>` identity from kubo: channel metadata
    that was not uploaded through this node (`ipfs add`, another node's upload)."""
    resolved = payload_of(envelope, ChannelMetadataResolved)
    if resolved.found and resolved.name is not None:
        fields = resolved.model_dump(include={"name", "info", "url", "icon"})
        await read_model.add_channel_meta(ctx.session, resolved.cid, fields)


async def on_alias_verified(ctx: HandlerContext, envelope: Envelope) -> None:
    verified = payload_of(envelope, ChannelAliasVerified)
    await read_model.set_alias(
        ctx.session,
        verified.alias_chain_id,
        verified.alias.lower(),
        verified.channel.lower(),
    )


async def on_alias_removed(ctx: HandlerContext, envelope: Envelope) -> None:
    removed = payload_of(envelope, ChannelAliasRemoved)
    await read_model.set_alias(ctx.session, removed.alias_chain_id, removed.alias.lower(), None)


async def on_settings_changed(ctx: HandlerContext, envelope: Envelope) -> None:
    changed = payload_of(envelope, ChannelSettingsChanged)
    await settings.set_channel(
        ctx.session, changed.channel.lower(), changed.settings, changed.description
    )


async def on_verification_changed(ctx: HandlerContext, envelope: Envelope) -> None:
    changed = payload_of(envelope, ChannelVerificationChanged)
    by = changed.by.lower() if changed.verified else None
    await discovery.set_verified(ctx.session, changed.channel.lower(), by)


# gateway-protocol (protocol-decisions): the registry, subscription periods, aliases, metadata.
HANDLERS: dict[str, Handler] = {
    "ChannelCreated": on_channel_created,
    "ChannelStateChanged": on_channel_state_changed,
    "ChannelUpdated": on_channel_updated,
    "SubscriptionAdded": on_subscription_added,
    "SubscriptionRemoved": on_subscription_removed,
    "DelegateAdded": on_delegate_added,
    "DelegateRemoved": on_delegate_removed,
    "ChannelAliasVerified": on_alias_verified,
    "ChannelAliasRemoved": on_alias_removed,
    "ChannelMetadataResolved": on_metadata_resolved,
    "ChannelVerificationChanged": on_verification_changed,
    "ChannelSettingsChanged": on_settings_changed,
}
# gateway-uploads (uploads): channel metadata uploaded through this node.
UPLOAD_HANDLERS: dict[str, Handler] = {"ContentUploaded": on_content_uploaded}
