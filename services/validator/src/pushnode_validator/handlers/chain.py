"""Chain facts and opt-ins: consumes ChainEventObserved (all but SendNotification),
ChainEventRetracted and SubscriptionSubmitted; produces ChannelCreated/Updated/StateChanged,
Delegate*, ChannelAlias*, ChannelMetadataResolved and SubscriptionAdded/Removed/Rejected."""

from __future__ import annotations

from itertools import groupby

from pushnode_shared.infra.consumer import HandlerContext
from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.protocol.chains import ChainConfig, by_id
from pushnode_shared.protocol.events import (
    ChainEventObserved,
    Event,
    SubscriptionAdded,
    SubscriptionRejected,
    SubscriptionRemoved,
    SubscriptionSubmitted,
    payload_of,
)
from pushnode_validator.adapters import db, replays, settings
from pushnode_validator.adapters.ipfs import PayloadFetcher, fetch_metadata
from pushnode_validator.domain import channel_meta, facts
from pushnode_validator.domain.aliases import judge_alias
from pushnode_validator.domain.optins import judge_optin, signed_id
from pushnode_validator.domain.positions import stamp
from pushnode_validator.domain.projection import ChannelState, apply
from pushnode_validator.handlers.emit import emit


async def facts_of(
    ctx: HandlerContext, log: ChainEventObserved, core_chains: set[int]
) -> list[Event]:
    """The protocol facts a (non-notification) chain log stands for."""
    if log.event == "ChannelAlias":
        channel = await db.load_channel(ctx.session, log.channel, ())
        alias = str(log.args.get("_channelOwnerAddress", ""))
        owner = await db.alias_owner(ctx.session, log.chain_id, alias)
        return [judge_alias(log, channel, core_chains, owner)]
    if log.event == "ChannelOwnershipTransfer" and log.chain_id in core_chains:
        before = await db.load_channel(ctx.session, log.channel, ())
        return facts.ownership_transfer(log, before)
    return facts.facts_from_log(log, core_chains)


async def resolve_metadata(
    ctx: HandlerContext,
    payloads: PayloadFetcher,
    envelope: Envelope,
    channel: str,
    found: list[Event],
) -> None:
    """Publish what kubo holds for each created/updated channel's `1+<cid>` identity."""
    for index, fact in enumerate(found):
        if (cid := channel_meta.identity_cid(fact)) is not None:
            data = await fetch_metadata(payloads.store, cid)
            named = str(getattr(fact, "channel", channel))
            emit(ctx, envelope, channel_meta.resolved(named, cid, data), f"meta-{index}")


async def judge_subscription(
    ctx: HandlerContext, envelope: Envelope, chains: tuple[ChainConfig, ...]
) -> str | None:
    """An opt-in/out becomes a subscription fact or a refusal; the channel it changed, if any."""
    sub = payload_of(envelope, SubscriptionSubmitted)
    before = await db.load_channel(ctx.session, sub.channel, {sub.subscriber})
    optin_id = signed_id(sub)
    applied = await replays.optin_applied(ctx.session, optin_id)
    fact = judge_optin(sub, before, by_id(chains, sub.chain_id), applied)
    changed = None
    if before is not None and not isinstance(fact, SubscriptionRejected):
        await replays.record_optin(ctx.session, optin_id, sub.channel, sub.subscriber)
    if before is not None:
        await db.save_channel(ctx.session, before, apply(fact, before))
        await settings.record(ctx.session, fact)
        fact = (await _stamp(ctx, sub.channel, [fact]))[0]
        changed = sub.channel
    emit(ctx, envelope, fact, "optin")
    return changed


async def apply_facts(
    ctx: HandlerContext, cause: Envelope, channel: str, found: list[Event], role: str
) -> None:
    """Apply facts in order, each to the channel it names (an ownership transfer names two);
    subscription facts are numbered with their channel's position as they are applied."""
    index = 0
    for name, group in groupby(found, key=lambda f: str(getattr(f, "channel", channel))):
        batch = list(group)
        wallets = {
            f.subscriber for f in batch if isinstance(f, SubscriptionAdded | SubscriptionRemoved)
        }
        before = await db.load_channel(ctx.session, name, wallets) or ChannelState(name)
        after = before
        for fact in await _stamp(ctx, name, batch):
            after = apply(fact, after)
            await settings.record(ctx.session, fact)
            emit(ctx, cause, fact, f"{role}-{index}")
            index += 1
        await db.save_channel(ctx.session, before, after)


async def _stamp(ctx: HandlerContext, channel: str, found: list[Event]) -> list[Event]:
    """Number the channel's subscription facts and keep its new position."""
    before = await db.load_position(ctx.session, channel)
    stamped, after = stamp(found, before)
    if after != before:
        await db.save_position(ctx.session, channel, after)
    return stamped
