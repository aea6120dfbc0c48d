"""Validator handlers: consume protocol-inputs, produce protocol-decisions.

Consumes ChainEventObserved, ChainEventRetracted, NotificationSubmitted and
SubscriptionSubmitted; produces ChannelCreated/Updated/StateChanged, Delegate*, ChannelAlias*,
SubscriptionAdded/Removed/Rejected, NotificationAccepted, NotificationRejected and, for a
retracted SendNotification that was accepted, NotificationWithdrawn (withdrawals.py); and
for NodeRegistry logs, Peer* decisions on node-records (registry.py). Output ids
derive from the input event id, so a replayed batch re-publishes the same events.
Notifications, off-chain and on-chain, take one path (notifications.py); facts chain.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from weakref import WeakKeyDictionary

from pushnode_shared.infra.consumer import Handler, HandlerContext
from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.protocol.chains import ChainConfig
from pushnode_shared.protocol.events import ChainEventObserved, ChainEventRetracted, payload_of
from pushnode_validator.adapters import db
from pushnode_validator.adapters.batch import BatchView
from pushnode_validator.adapters.ipfs import PayloadFetcher
from pushnode_validator.domain import facts
from pushnode_validator.domain.identities import ipfs_cid
from pushnode_validator.domain.keys import PgpCheck
from pushnode_validator.domain.notice import Notice
from pushnode_validator.domain.peers import REGISTRY_EVENTS
from pushnode_validator.domain.ratelimit import NO_LIMIT, RateLimit
from pushnode_validator.handlers import chain, registry, withdrawals
from pushnode_validator.handlers.emit import PRODUCER
from pushnode_validator.handlers.notifications import (
    Judging,
    batch_notices,
    judge_notice,
    notice_of,
)

__all__ = ["PRODUCER", "Handlers"]


class Handlers:
    """Handlers with the chains, rate limit, IPFS reader and pgpv4 check injected by bootstrap."""

    def __init__(
        self,
        chains: tuple[ChainConfig, ...],
        limit: RateLimit = NO_LIMIT,
        payloads: PayloadFetcher | None = None,
        keys_ready: Callable[[], Awaitable[None]] | None = None,
        *,
        pgp: PgpCheck | None = None,
    ) -> None:
        self.chains = chains
        # Waits until the users fold has read the users topic to its current end (pgpv4).
        self.keys_ready = keys_ready
        self.core_chains = {c.chain_id for c in chains if c.core}
        self.payloads = payloads or PayloadFetcher(None)
        self.judging = Judging(chains, limit, self.payloads, pgp)
        self._views: WeakKeyDictionary[object, BatchView] = WeakKeyDictionary()
        self._notices: dict[str, Notice] = {}  # the batch's notifications by input event id

    def mapping(self) -> dict[str, Handler]:
        """Event type -> handler, as the consumer dispatches."""
        return {
            "ChainEventObserved": self.on_chain_event_observed,
            "NotificationSubmitted": self.on_notification_submitted,
            "SubscriptionSubmitted": self.on_subscription_submitted,
            "ChainEventRetracted": self.on_chain_event_retracted,
        }

    async def prepare(self, envelopes: list[Envelope]) -> None:
        """Read the batch's notifications once, and fetch their type-1 payloads from kubo."""
        self._notices = batch_notices(envelopes, self.chains)
        await self.payloads.prefetch(
            cid for n in self._notices.values() if (cid := ipfs_cid(n.sub.identity))
        )
        self._views.clear()  # a view lives for one transaction; a retried batch reads anew
        pgp_proofs = (n.sub.verification_proof.startswith("pgpv4:") for n in self._notices.values())
        if self.keys_ready is not None and any(pgp_proofs):
            await self.keys_ready()

    async def _view(self, ctx: HandlerContext) -> BatchView:
        view = self._views.get(ctx.session)
        if view is None:
            view = self._views[ctx.session] = BatchView(ctx.session)
            ctx.before_commit("verdicts", view.flush)  # the verdicts it queued, in bulk
            blocks = [
                (n, await self.payloads.blocks_for(n.sub.identity)) for n in self._notices.values()
            ]
            await view.preload(blocks)
        return view

    def _forget(self, ctx: HandlerContext, channels: set[str]) -> None:
        """A fact changed these channels: the batch view reads them again when next needed."""
        view = self._views.get(ctx.session)
        if view is not None:
            for name in channels:
                view.forget(name)

    async def _notification(self, ctx: HandlerContext, envelope: Envelope) -> None:
        notice = self._notices.get(envelope.event_id) or notice_of(envelope, self.chains)
        assert notice is not None  # only notification inputs are routed here
        await judge_notice(self.judging, ctx, await self._view(ctx), envelope, notice)

    async def on_notification_submitted(self, ctx: HandlerContext, envelope: Envelope) -> None:
        await self._notification(ctx, envelope)

    async def on_chain_event_observed(self, ctx: HandlerContext, envelope: Envelope) -> None:
        log = payload_of(envelope, ChainEventObserved)
        if await db.applied_facts(ctx.session, envelope.event_id) is not None:
            return  # a re-emission of an event already applied (or a notification judged)
        if log.event in REGISTRY_EVENTS:
            await registry.on_registry_log(ctx, envelope, log, self.chains)
            return
        if log.event == "SendNotification":
            await self._notification(ctx, envelope)
            await db.mark_applied(ctx.session, envelope.event_id, log.channel, [])
            return
        found = await chain.facts_of(ctx, log, self.core_chains)
        if not found:
            return
        await chain.apply_facts(ctx, envelope, log.channel, found, "fact")
        self._forget(ctx, {log.channel, *(str(getattr(f, "channel", "")) for f in found)})
        await db.mark_applied(ctx.session, envelope.event_id, log.channel, found)
        if not ctx.replay:  # a rebuild publishes nothing: it need not (and must not) ask kubo
            await chain.resolve_metadata(ctx, self.payloads, envelope, log.channel, found)

    async def on_chain_event_retracted(self, ctx: HandlerContext, envelope: Envelope) -> None:
        retracted = payload_of(envelope, ChainEventRetracted)
        done = await db.applied_facts(ctx.session, retracted.retracted_event_id)
        if done is None:
            return  # never applied (or already undone): nothing to reverse
        if retracted.event in REGISTRY_EVENTS:
            await registry.on_registry_retracted(ctx, envelope, retracted, done)
            return
        await withdrawals.withdraw(ctx, await self._view(ctx), envelope, retracted)
        undone = [u for u in (facts.undo(f) for f in reversed(done)) if u is not None]
        await chain.apply_facts(ctx, envelope, retracted.channel, undone, "undo")
        self._forget(ctx, {retracted.channel, *(str(getattr(f, "channel", "")) for f in undone)})
        await db.forget_applied(ctx.session, retracted.retracted_event_id)

    async def on_subscription_submitted(self, ctx: HandlerContext, envelope: Envelope) -> None:
        changed = await chain.judge_subscription(ctx, envelope, self.chains)
        if changed is not None:
            self._forget(ctx, {changed})
