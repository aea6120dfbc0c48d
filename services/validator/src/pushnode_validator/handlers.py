"""Validator handlers: consume protocol-inputs, produce protocol-decisions.

Consumes ChainEventObserved, ChainEventRetracted, NotificationSubmitted and
SubscriptionSubmitted; produces ChannelCreated/Updated/StateChanged, Delegate*, ChannelAlias*,
SubscriptionAdded/Removed/Rejected, NotificationAccepted and NotificationRejected. Output ids
derive from the input event id, so a replayed batch re-publishes the same events.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from itertools import groupby
from weakref import WeakKeyDictionary

from sqlalchemy.ext.asyncio import AsyncSession

from pushnode_shared.caip import BadAddress, parse_account
from pushnode_shared.chains import ChainConfig, by_id
from pushnode_shared.consumer import Handler, HandlerContext
from pushnode_shared.envelope import Envelope, MalformedEvent, derive_id
from pushnode_shared.events import (
    Broadcast,
    ChainEventObserved,
    ChainEventRetracted,
    Event,
    NotificationSubmitted,
    SubscriptionAdded,
    SubscriptionRemoved,
    SubscriptionSubmitted,
    payload_of,
    wrap,
)
from pushnode_shared.topics import PROTOCOL_DECISIONS
from pushnode_validator import channel_meta, domain, userkeys
from pushnode_validator.adapters import db
from pushnode_validator.adapters.ipfs import PayloadFetcher
from pushnode_validator.aliases import judge_alias
from pushnode_validator.batch import BatchView
from pushnode_validator.identities import ipfs_cid
from pushnode_validator.notifications import Context, decision_event, judge_in
from pushnode_validator.positions import stamp
from pushnode_validator.projection import ChannelState, apply
from pushnode_validator.ratelimit import NO_LIMIT, RateLimit

PRODUCER = "validator"


class Handlers:
    """Handlers with the chain configuration, rate limit and IPFS reader injected by bootstrap."""

    def __init__(
        self,
        chains: tuple[ChainConfig, ...],
        limit: RateLimit = NO_LIMIT,
        payloads: PayloadFetcher | None = None,
        keys_ready: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.chains = chains
        # Waits until the users fold has read the users topic to its current end (pgpv4).
        self.keys_ready = keys_ready
        self.core_chains = {c.chain_id for c in chains if c.core}
        self.limit = limit
        self.payloads = payloads or PayloadFetcher(None)
        self._views: WeakKeyDictionary[AsyncSession, BatchView] = WeakKeyDictionary()
        self._batch: list[Envelope] = []

    def mapping(self) -> dict[str, Handler]:
        """Event type -> handler, as the consumer dispatches."""
        return {
            "ChainEventObserved": self.on_chain_event_observed,
            "NotificationSubmitted": self.on_notification_submitted,
            "SubscriptionSubmitted": self.on_subscription_submitted,
            "ChainEventRetracted": self.on_chain_event_retracted,
        }

    async def prepare(self, envelopes: list[Envelope]) -> None:
        """Fetch every type-1 identity of the batch from kubo at once, before the handlers."""
        cids = {cid for e in envelopes if (cid := _cid_of(e))}
        await self.payloads.prefetch(cids)
        self._views.clear()  # a view lives for one transaction; a retried batch reads anew
        self._batch = [e for e in envelopes if e.type == "NotificationSubmitted"]
        if self.keys_ready is not None and any(_pgp_proof(e) for e in self._batch):
            await self.keys_ready()

    async def _view(self, ctx: HandlerContext) -> BatchView:
        view = self._views.get(ctx.session)
        if view is None:
            view = self._views[ctx.session] = BatchView(ctx.session)
            ctx.before_commit("verdicts", view.flush)  # the verdicts it queued, in bulk
            subs = []
            for envelope in self._batch:
                try:
                    sub = payload_of(envelope, NotificationSubmitted)
                except MalformedEvent:
                    continue  # its own handler dead-letters it
                subs.append((sub, await self.payloads.blocks_for(sub.identity)))
            await view.preload(subs)
        return view

    def _forget(self, ctx: HandlerContext, channel: str) -> None:
        """A fact changed the channel: the batch view reads it again when next needed."""
        view = self._views.get(ctx.session)
        if view is not None:
            view.forget(channel)

    async def on_chain_event_observed(self, ctx: HandlerContext, envelope: Envelope) -> None:
        log = payload_of(envelope, ChainEventObserved)
        if log.event == "SendNotification":
            if await db.applied_facts(ctx.session, envelope.event_id) is None:
                await self._on_chain_notification(ctx, envelope, log)
                await db.mark_applied(ctx.session, envelope.event_id, log.channel, [])
            return
        if await db.applied_facts(ctx.session, envelope.event_id) is not None:
            return  # a re-emission of an event already applied
        if log.event == "ChannelAlias":
            facts = [await self._alias_fact(ctx.session, log)]
        elif log.event == "ChannelOwnershipTransfer" and log.chain_id in self.core_chains:
            before = await db.load_channel(ctx.session, log.channel, ())
            facts = domain.ownership_transfer(log, before)
        else:
            facts = domain.facts_from_log(log, self.core_chains)
        if not facts:
            return
        await _apply_facts(ctx, envelope, log.channel, facts, "fact")
        for name in {log.channel, *(str(getattr(f, "channel", "")) for f in facts)}:
            self._forget(ctx, name)
        await db.mark_applied(ctx.session, envelope.event_id, log.channel, facts)
        if not ctx.replay:  # a rebuild publishes nothing: it need not (and must not) ask kubo
            await self._resolve_metadata(ctx, envelope, log.channel, facts)

    async def _resolve_metadata(
        self, ctx: HandlerContext, envelope: Envelope, channel: str, facts: list[Event]
    ) -> None:
        for index, fact in enumerate(facts):
            if (cid := channel_meta.identity_cid(fact)) is not None:
                data = await channel_meta.fetch(self.payloads.store, cid)
                named = str(getattr(fact, "channel", channel))
                _emit(ctx, envelope, channel_meta.resolved(named, cid, data), f"meta-{index}")

    async def _alias_fact(self, session: AsyncSession, log: ChainEventObserved) -> Event:
        channel = await db.load_channel(session, log.channel, ())
        alias = str(log.args.get("_channelOwnerAddress", ""))
        owner = await db.alias_owner(session, log.chain_id, alias)
        return judge_alias(log, channel, self.core_chains, owner)

    async def _on_chain_notification(
        self, ctx: HandlerContext, envelope: Envelope, log: ChainEventObserved
    ) -> None:
        proof = domain.onchain_proof(log)
        notification_id = derive_id("notification", proof, str(log.log_index))
        identity = domain.onchain_identity(log)
        blocks = await self.payloads.blocks_for(identity)
        recipient = f"eip155:{log.chain_id}:{log.args.get('recipient', '')}"
        wallets = domain.wanted_wallets(identity, recipient, log.channel, blocks)
        home = await self._home(ctx.session, log.chain_id, log.channel)
        channel = await db.load_channel(ctx.session, home, wallets)
        already = await db.seen(ctx.session, notification_id)
        verdict = domain.judge_onchain(log, channel, already, blocks)
        position = await db.load_position(ctx.session, home) if verdict.broadcast else 0
        chain = by_id(self.chains, log.chain_id)
        submitted = NotificationSubmitted(
            notification_id=notification_id,
            channel=log.channel,
            sender=f"eip155:{log.chain_id}:{log.channel}",
            recipient=recipient,
            identity=identity,
            verification_proof=proof,
            source=chain.source if chain else f"EIP155_{log.chain_id}",
            submitted_at=envelope.occurred_at,
        )
        await self._decide(ctx, envelope, submitted, verdict, already, _audience(home, position))

    async def on_chain_event_retracted(self, ctx: HandlerContext, envelope: Envelope) -> None:
        retracted = payload_of(envelope, ChainEventRetracted)
        facts = await db.applied_facts(ctx.session, retracted.retracted_event_id)
        if facts is None:
            return  # never applied (or already undone): nothing to reverse
        undone = [u for u in (domain.undo(f) for f in reversed(facts)) if u is not None]
        await _apply_facts(ctx, envelope, retracted.channel, undone, "undo")
        for name in {retracted.channel, *(str(getattr(f, "channel", "")) for f in undone)}:
            self._forget(ctx, name)
        await db.forget_applied(ctx.session, retracted.retracted_event_id)

    async def on_notification_submitted(self, ctx: HandlerContext, envelope: Envelope) -> None:
        sub = payload_of(envelope, NotificationSubmitted)
        view = await self._view(ctx)
        blocks = await self.payloads.blocks_for(sub.identity)
        chain = self._chain_of(sub.sender)
        home = await view.home(_chain_id(sub.sender), sub.channel)
        wallets = domain.wanted_wallets(sub.identity, sub.recipient, blocks=blocks)
        channel = await view.channel(home, wallets)
        already = await view.seen(sub.notification_id)
        bucket = await view.bucket(home) if self.limit.enabled else None
        key = None
        if sub.verification_proof.startswith("pgpv4:"):
            key = await userkeys.key_at(ctx.session, home, sub.submitted_at)
        context = Context(channel, chain, already, blocks, bucket, self.limit, key)
        verdict = judge_in(sub, context)
        if verdict.bucket is not None:
            view.spend(home, verdict.bucket)
        if not already:
            reason = None if verdict.reason is None else verdict.reason.value
            view.record(sub.notification_id, sub.channel, verdict.accepted, reason)
        position = await view.position(home) if verdict.broadcast else 0
        decision = decision_event(sub, verdict, _audience(home, position))
        _emit(ctx, envelope, decision, _role(already))

    async def _home(self, session: AsyncSession, chain_id: int, address: str) -> str:
        """The channel an address speaks for: itself, or the channel it is a verified alias of."""
        return await db.alias_owner(session, chain_id, address) or address

    async def _decide(
        self,
        ctx: HandlerContext,
        envelope: Envelope,
        sub: NotificationSubmitted,
        verdict: domain.Verdict,
        already: bool,
        audience: Broadcast,
    ) -> None:
        if not already:
            reason = None if verdict.reason is None else verdict.reason.value
            await db.record_verdict(
                ctx.session, sub.notification_id, sub.channel, verdict.accepted, reason
            )
        _emit(ctx, envelope, decision_event(sub, verdict, audience), _role(already))

    async def on_subscription_submitted(self, ctx: HandlerContext, envelope: Envelope) -> None:
        sub = payload_of(envelope, SubscriptionSubmitted)
        before = await db.load_channel(ctx.session, sub.channel, {sub.subscriber})
        fact = domain.judge_optin(sub, before, by_id(self.chains, sub.chain_id))
        if before is not None:
            await db.save_channel(ctx.session, before, apply(fact, before))
            fact = (await _stamp(ctx.session, sub.channel, [fact]))[0]
            self._forget(ctx, sub.channel)
        _emit(ctx, envelope, fact, "optin")

    def _chain_of(self, sender: str) -> ChainConfig | None:
        try:
            chain_id = parse_account(sender).chain_id
        except BadAddress:
            return None
        return by_id(self.chains, chain_id) if chain_id is not None else None


def _role(already: bool) -> str:
    # A duplicate's refusal gets its own id, never the id of the original verdict.
    return "decision-duplicate" if already else "decision"


def _chain_id(sender: str) -> int:
    try:
        return parse_account(sender).chain_id or 0
    except BadAddress:
        return 0


def _pgp_proof(envelope: Envelope) -> bool:
    return str(envelope.payload.get("verification_proof", "")).startswith("pgpv4:")


def _cid_of(envelope: Envelope) -> str | None:
    if envelope.type == "NotificationSubmitted":
        return ipfs_cid(str(envelope.payload.get("identity", "")))
    on_chain = envelope.type == "ChainEventObserved"
    if on_chain and envelope.payload.get("event") == "SendNotification":
        try:
            log = payload_of(envelope, ChainEventObserved)
            return ipfs_cid(domain.onchain_identity(log))
        except (ValueError, KeyError):
            return None
    return None


async def _apply_facts(
    ctx: HandlerContext, cause: Envelope, channel: str, facts: list[Event], role: str
) -> None:
    """Apply facts in order, each to the channel it names (an ownership transfer names two);
    subscription facts are numbered with their channel's position as they are applied."""
    index = 0
    for name, group in groupby(facts, key=lambda f: str(getattr(f, "channel", channel))):
        batch = list(group)
        wallets = {
            f.subscriber for f in batch if isinstance(f, SubscriptionAdded | SubscriptionRemoved)
        }
        before = await db.load_channel(ctx.session, name, wallets) or ChannelState(name)
        after = before
        for fact in await _stamp(ctx.session, name, batch):
            after = apply(fact, after)
            _emit(ctx, cause, fact, f"{role}-{index}")
            index += 1
        await db.save_channel(ctx.session, before, after)


async def _stamp(session: AsyncSession, channel: str, facts: list[Event]) -> list[Event]:
    """Number the channel's subscription facts and keep its new position."""
    before = await db.load_position(session, channel)
    stamped, after = stamp(facts, before)
    if after != before:
        await db.save_position(session, channel, after)
    return stamped


def _audience(home: str, position: int) -> Broadcast:
    return Broadcast(channel=home, position=position)


def _emit(ctx: HandlerContext, cause: Envelope, event: Event, role: str) -> None:
    ctx.publish(
        PROTOCOL_DECISIONS,
        wrap(
            event,
            producer=PRODUCER,
            event_id=derive_id(cause.event_id, role),
            causation_id=cause.event_id,
            occurred_at=cause.occurred_at,
        ),
    )
