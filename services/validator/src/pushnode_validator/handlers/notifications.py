"""The one verdict path for notifications: consumes NotificationSubmitted and Comm
SendNotification logs (as Notices); produces NotificationAccepted or NotificationRejected.

Both are read through the batch view, judged by domain.notifications.judge_in, recorded as one
verdict row per notification id and published the same way; they differ only in how the
Notice is built (domain/notice.py) and in what proves who sent it (domain/proofs.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from pushnode_shared.infra.consumer import HandlerContext
from pushnode_shared.infra.envelope import Envelope, MalformedEvent
from pushnode_shared.protocol.chains import ChainConfig, by_id
from pushnode_shared.protocol.events import (
    Broadcast,
    ChainEventObserved,
    NotificationSubmitted,
    RejectReason,
    payload_of,
)
from pushnode_shared.protocol.settings import BadSettings
from pushnode_validator.adapters import settings, userkeys
from pushnode_validator.adapters.batch import BatchView
from pushnode_validator.adapters.ipfs import PayloadFetcher
from pushnode_validator.domain.categories import Audience, category_in, narrowed, refused
from pushnode_validator.domain.keys import PgpCheck
from pushnode_validator.domain.notice import Notice, from_log, submitted
from pushnode_validator.domain.notifications import (
    Context,
    Verdict,
    decision_event,
    judge_in,
)
from pushnode_validator.domain.ratelimit import RateLimit
from pushnode_validator.handlers.emit import emit


@dataclass(frozen=True)
class Judging:
    """What judging a notification needs, injected by bootstrap through Handlers."""

    chains: tuple[ChainConfig, ...]
    limit: RateLimit
    payloads: PayloadFetcher
    pgp: PgpCheck | None


def notice_of(envelope: Envelope, chains: tuple[ChainConfig, ...]) -> Notice | None:
    """The notification an input carries, off-chain or on-chain; None for anything else.

    MalformedEvent (or ValueError/KeyError for a log without a readable identity) when it
    carries one that cannot be read: the consumer dead-letters the input.
    """
    if envelope.type == "NotificationSubmitted":
        return submitted(payload_of(envelope, NotificationSubmitted))
    if envelope.type == "ChainEventObserved" and envelope.payload.get("event") == (
        "SendNotification"
    ):
        log = payload_of(envelope, ChainEventObserved)
        return from_log(log, by_id(chains, log.chain_id), envelope.occurred_at)
    return None


def batch_notices(envelopes: list[Envelope], chains: tuple[ChainConfig, ...]) -> dict[str, Notice]:
    """A batch's readable notifications by input event id (its handlers refuse the rest)."""
    found: dict[str, Notice] = {}
    for envelope in envelopes:
        try:
            notice = notice_of(envelope, chains)
        except (MalformedEvent, ValueError, KeyError):
            continue
        if notice is not None:
            found[envelope.event_id] = notice
    return found


async def judge_notice(
    judging: Judging, ctx: HandlerContext, view: BatchView, envelope: Envelope, notice: Notice
) -> None:
    """Judge one notification against the batch's view, record the verdict, publish it."""
    sub = notice.sub
    blocks = await judging.payloads.blocks_for(sub.identity)
    chain = by_id(judging.chains, notice.sender.chain_id)
    home = await view.home(notice.sender.chain_id, sub.channel)
    channel = await view.channel(home, notice.wanted(blocks))
    already = await view.seen(sub.notification_id)
    content_seen = await view.content_seen(notice.content_id)
    limited = notice.rate_limited and judging.limit.enabled
    bucket = await view.bucket(home) if limited else None
    key = None
    if sub.verification_proof.startswith("pgpv4:"):
        key = await userkeys.key_at(ctx.session, home, sub.submitted_at)
    context = Context(
        channel,
        chain,
        already_seen=already,
        content_seen=content_seen,
        blocks=blocks,
        bucket=bucket,
        limit=judging.limit,
        pgp_key=key,
        pgp=judging.pgp,
    )
    verdict = await with_category(ctx, home, judge_in(notice, context))
    if verdict.bucket is not None:
        view.spend(home, verdict.bucket)
    if not already:
        reason = None if verdict.reason is None else verdict.reason.value
        view.record(sub.notification_id, sub.channel, verdict.accepted, reason)
    if verdict.accepted:
        view.accepted_content(notice.content_id, sub.notification_id, sub.channel)
    position = await view.position(home) if verdict.broadcast else 0
    decision = decision_event(sub, verdict, Broadcast(channel=home, position=position))
    # A duplicate's refusal gets its own id, never the id of the original verdict.
    emit(ctx, envelope, decision, "decision-duplicate" if already else "decision")


async def with_category(ctx: HandlerContext, home: str, verdict: Verdict) -> Verdict:
    """An accepted verdict with its category applied against the validator's own settings
    fold (the recipients' choices, or every subscriber's for a broadcast)."""
    if not verdict.accepted:
        return verdict
    try:
        category = category_in(verdict.payload)
    except BadSettings as exc:
        return refused(RejectReason.BAD_PAYLOAD, f"data.index: {exc}")
    if category is None:
        return verdict
    listed = [r.address for r in verdict.recipients if not r.spam]
    wallets = None if verdict.broadcast else listed
    defined = await settings.defined(ctx.session, home)
    audience = Audience(defined, await settings.choices(ctx.session, home, wallets))
    return narrowed(verdict, category, audience)
