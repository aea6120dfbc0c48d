"""Pure verdict on a notification, off-chain or on-chain (consumes a Notice; no I/O).

One judge for both: the same channel, payload, recipient and duplicate rules, and the same
decision event; only who authorised it differs (proofs.py), and only off-chain sends spend
the channel's rate bucket. Checks run cheapest and most general first, and authentication
comes before anything that would spend the bucket: a forged submission never drains a real
channel's budget. Every refusal carries one RejectReason and a detail a developer can act on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pushnode_shared.protocol.caip import Account, BadAddress, parse_account
from pushnode_shared.protocol.chains import ChainConfig
from pushnode_shared.protocol.events import (
    Broadcast,
    Event,
    NotificationAccepted,
    NotificationRejected,
    NotificationSubmitted,
    Recipient,
    RejectReason,
)
from pushnode_shared.protocol.payloads import PayloadError
from pushnode_validator.domain import identities
from pushnode_validator.domain.keys import PgpCheck, RegisteredKey
from pushnode_validator.domain.notice import Notice, submitted
from pushnode_validator.domain.projection import ChannelState
from pushnode_validator.domain.proofs import authenticate
from pushnode_validator.domain.ratelimit import NO_LIMIT, Bucket, RateLimit, take
from pushnode_validator.domain.rejected import Rejected


@dataclass(frozen=True)
class Verdict:
    """Accepted (with signer, payload, recipients) or rejected (with reason and detail)."""

    accepted: bool
    reason: RejectReason | None = None
    detail: str = ""
    signer: str = ""
    chain_id: int = 0
    payload: dict[str, Any] | None = None
    recipients: tuple[Recipient, ...] = ()
    bucket: Bucket | None = None  # the channel's rate bucket after an accepted notification
    broadcast: bool = False  # to every subscriber at this point: no recipient list
    signing_key: str | None = None  # fingerprint of the PGP key a pgpv4 proof verified with
    held_back: tuple[str, ...] = ()  # a broadcast's subscribers its category leaves out


@dataclass(frozen=True)
class Context:
    """What a verdict depends on besides the notification; all of it folded from the log."""

    channel: ChannelState | None
    chain: ChainConfig | None
    already_seen: bool = False  # this very input (its notification id) was judged before
    content_seen: bool = False  # its signed content was accepted before (Notice.content_id)
    blocks: Mapping[str, bytes | None] = field(default_factory=dict)
    bucket: Bucket | None = None
    limit: RateLimit = NO_LIMIT
    # The channel owner's Push-profile PGP key in force at submitted_at (pgpv4 proofs only).
    pgp_key: RegisteredKey | None = None
    pgp: PgpCheck | None = None  # the pgpv4 signature check bootstrap injects


def judge(
    sub: NotificationSubmitted,
    channel: ChannelState | None,
    chain: ChainConfig | None,
    already_seen: bool,
    **extra: Any,
) -> Verdict:
    """judge_in() for an off-chain submission with its context spelled out (tests read so)."""
    return judge_in(submitted(sub), Context(channel, chain, already_seen, **extra))


def judge_in(notice: Notice, ctx: Context) -> Verdict:
    """Decide one notification against the channel's state; deterministic for replay."""
    try:
        return _judge(notice, ctx)
    except (Rejected, PayloadError) as exc:
        return Verdict(accepted=False, reason=exc.reason, detail=exc.detail)


def _judge(notice: Notice, ctx: Context) -> Verdict:
    if ctx.already_seen:
        raise Rejected(RejectReason.DUPLICATE_NOTIFICATION, "this proof/uid was already judged")
    sender = notice.sender.account
    if sender is None:
        raise Rejected(RejectReason.BAD_SENDER, notice.sender.error)
    chain, channel = ctx.chain, ctx.channel
    if chain is None or sender.chain_id is None:
        raise Rejected(
            RejectReason.CHAIN_NOT_SUPPORTED, f"no configured chain for {notice.sender.text}"
        )
    if channel is None or not channel.chain_id:
        raise Rejected(RejectReason.UNKNOWN_CHANNEL, f"{sender.lower} is not a channel")
    if not channel.active:
        why = channel.cause or "inactive"
        raise Rejected(RejectReason.CHANNEL_INACTIVE, f"{channel.channel} is {why}")
    if not channel.speaks_on(chain.chain_id, sender.lower):
        raise Rejected(
            RejectReason.ALIAS_NOT_VERIFIED,
            f"{notice.sender.text} is not channel {channel.channel} "
            "nor its verified alias on that chain",
        )
    signer, signing_key = authenticate(notice, chain, channel, ctx.pgp_key, ctx.pgp)
    if ctx.content_seen:
        # After authentication (a forgery is BAD_SIGNATURE, not a probe of what was sent),
        # before the rate bucket (a replay costs the channel nothing).
        raise Rejected(
            RejectReason.DUPLICATE_NOTIFICATION,
            "this signed content was accepted before (a new ::uid:: does not make it new; "
            "change a signed field to send it again)",
        )
    payload = _payload(notice, ctx.blocks)
    recipients = recipients_of(notice.sub.recipient, payload, channel)
    spends = notice.rate_limited and ctx.limit.enabled
    bucket = _spend(notice.sub, ctx) if spends else None
    return Verdict(
        accepted=True,
        signer=signer,
        chain_id=chain.chain_id,
        payload=payload,
        recipients=recipients,
        bucket=bucket,
        broadcast=is_broadcast(payload),
        signing_key=signing_key,
    )


def _payload(notice: Notice, blocks: Mapping[str, bytes | None]) -> dict[str, Any]:
    if notice.bad_identity:
        raise Rejected(RejectReason.BAD_IDENTITY, notice.bad_identity)
    payload = identities.resolve(notice.sub.identity, blocks)
    # Push's on-chain rule: sent to the channel itself is a broadcast (a subset stays one).
    if notice.to_itself and str(payload["data"].get("type")) != "4":
        payload = {**payload, "data": {**payload["data"], "type": "1"}}
    return payload


def _spend(sub: NotificationSubmitted, ctx: Context) -> Bucket:
    after = take(ctx.bucket, ctx.limit, sub.submitted_at)
    if after is None:
        raise Rejected(
            RejectReason.RATE_LIMITED,
            f"{sub.channel} is over {ctx.limit.per_second:g}/s (burst {ctx.limit.burst})",
        )
    return after


def account(text: str, reason: RejectReason) -> Account:
    """Parse a CAIP-10 / bare address, or reject with the given reason."""
    try:
        return parse_account(text)
    except BadAddress as exc:
        raise Rejected(reason, str(exc)) from exc


def recipients_of(
    recipient: str, payload: dict[str, Any], channel: ChannelState
) -> tuple[Recipient, ...]:
    """Targeted: the one recipient; subset: the listed wallets; broadcast: none listed (its
    audience is the channel's subscribers at its position, see positions.py)."""
    kind = str(payload.get("data", {}).get("type"))
    if kind == "1":
        return ()
    if kind == "3":
        addresses = [account(recipient, RejectReason.BAD_RECIPIENT).lower]
    else:
        targets = payload.get("recipients")
        if not isinstance(targets, dict) or not targets:
            raise Rejected(RejectReason.BAD_RECIPIENT, "subset needs recipients")
        addresses = sorted({account(a, RejectReason.BAD_RECIPIENT).lower for a in targets})
    return tuple(Recipient(address=a, spam=a not in channel.subscribers) for a in addresses)


def is_broadcast(payload: dict[str, Any]) -> bool:
    """Notification type 1: every subscriber of the channel."""
    return str(payload.get("data", {}).get("type")) == "1"


def decision_event(
    sub: NotificationSubmitted, verdict: Verdict, audience: Broadcast | None = None
) -> Event:
    """The decision on the log: NotificationAccepted or NotificationRejected{reason, detail}.

    A broadcast names its audience (the channel and its subscription position), not recipients.
    """
    if verdict.accepted:
        return NotificationAccepted(
            notification_id=sub.notification_id,
            channel=sub.channel,
            chain_id=verdict.chain_id,
            sender=sub.sender,
            signer=verdict.signer,
            recipients=list(verdict.recipients),
            broadcast=_audience(verdict, audience),
            identity=sub.identity,
            payload=verdict.payload or {},
            verification_proof=sub.verification_proof,
            source=sub.source,
            submitted_at=sub.submitted_at,
            signing_key=verdict.signing_key,
        )
    assert verdict.reason is not None
    return NotificationRejected(
        notification_id=sub.notification_id,
        channel=sub.channel,
        reason=verdict.reason,
        detail=verdict.detail,
    )


def _audience(verdict: Verdict, audience: Broadcast | None) -> Broadcast | None:
    if not verdict.broadcast or audience is None:
        return None
    if verdict.held_back:
        return audience.model_copy(update={"held_back": list(verdict.held_back)})
    return audience
