"""Pure verdict on an off-chain notification (consumes NotificationSubmitted; no I/O).

Checks run cheapest and most general first, and authentication comes before anything that
would spend the channel's rate budget: a forged submission never drains a real channel's
bucket. Every refusal carries one RejectReason and a detail a developer can act on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pushnode_shared.caip import Account, BadAddress, parse_account
from pushnode_shared.chains import ChainConfig
from pushnode_shared.events import (
    Broadcast,
    Event,
    NotificationAccepted,
    NotificationRejected,
    NotificationSubmitted,
    Recipient,
    RejectReason,
)
from pushnode_shared.payloads import PayloadError, check_size, parse_proof
from pushnode_shared.signatures import BadSignature, recover_data_signer
from pushnode_validator import identities
from pushnode_validator.adapters import pgp
from pushnode_validator.projection import ChannelState
from pushnode_validator.ratelimit import NO_LIMIT, Bucket, RateLimit, micros, take
from pushnode_validator.userkeys import RegisteredKey


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


class Rejected(Exception):
    """Internal: short-circuits a judgement with a reason."""

    def __init__(self, reason: RejectReason, detail: str) -> None:
        super().__init__(detail)
        self.reason, self.detail = reason, detail


@dataclass(frozen=True)
class Context:
    """What a verdict depends on besides the submission; all of it folded from the log."""

    channel: ChannelState | None
    chain: ChainConfig | None
    already_seen: bool = False
    blocks: Mapping[str, bytes | None] = field(default_factory=dict)
    bucket: Bucket | None = None
    limit: RateLimit = NO_LIMIT
    # The channel owner's Push-profile PGP key in force at submitted_at (pgpv4 proofs only).
    pgp_key: RegisteredKey | None = None


def judge(
    sub: NotificationSubmitted,
    channel: ChannelState | None,
    chain: ChainConfig | None,
    already_seen: bool,
    **extra: Any,
) -> Verdict:
    """Decide one submission against the channel's state; deterministic for replay."""
    return judge_in(sub, Context(channel, chain, already_seen, **extra))


def judge_in(sub: NotificationSubmitted, ctx: Context) -> Verdict:
    """judge() with the whole context in one value."""
    try:
        return _judge(sub, ctx)
    except (Rejected, PayloadError) as exc:
        return Verdict(accepted=False, reason=exc.reason, detail=exc.detail)


def _judge(sub: NotificationSubmitted, ctx: Context) -> Verdict:
    if ctx.already_seen:
        raise Rejected(RejectReason.DUPLICATE_NOTIFICATION, "this proof/uid was already judged")
    sender = account(sub.sender, RejectReason.BAD_SENDER)
    chain, channel = ctx.chain, ctx.channel
    if chain is None or sender.chain_id is None:
        raise Rejected(RejectReason.CHAIN_NOT_SUPPORTED, f"no configured chain for {sub.sender}")
    if channel is None or not channel.chain_id:
        raise Rejected(RejectReason.UNKNOWN_CHANNEL, f"{sender.lower} is not a channel")
    if not channel.active:
        why = channel.cause or "inactive"
        raise Rejected(RejectReason.CHANNEL_INACTIVE, f"{channel.channel} is {why}")
    if not channel.speaks_on(chain.chain_id, sender.lower):
        raise Rejected(
            RejectReason.ALIAS_NOT_VERIFIED,
            f"{sub.sender} is not channel {channel.channel} nor its verified alias on that chain",
        )
    check_size(sub.identity, "identity")
    signer, signing_key = _verify_proof(sub, chain, channel, ctx.pgp_key)
    if not channel.may_send(chain.chain_id, signer):
        raise Rejected(
            RejectReason.SIGNER_NOT_AUTHORISED,
            f"signed by {signer}, not {channel.channel} or its delegate on chain "
            f"{chain.chain_id} (EIP-712 domain: chainId {chain.chain_id}, Comm {chain.comm})",
        )
    payload = identities.resolve(sub.identity, ctx.blocks)
    recipients = recipients_of(sub.recipient, payload, channel)
    bucket = _spend(sub, ctx) if ctx.limit.enabled else None
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


def _verify_proof(
    sub: NotificationSubmitted,
    chain: ChainConfig,
    channel: ChannelState,
    key: RegisteredKey | None,
) -> tuple[str, str | None]:
    """The signer's address, and the PGP key fingerprint when a pgpv4 proof was checked."""
    proof = parse_proof(sub.verification_proof)
    if proof.kind == "pgpv4":
        return channel.channel, _verify_pgp(sub, channel, key, proof.body)
    if proof.kind != "eip712v2":
        raise Rejected(
            RejectReason.UNSUPPORTED_PROOF,
            f"proof kind {proof.kind} is not accepted off-chain (use eip712v2 or pgpv4)",
        )
    try:
        return recover_data_signer(sub.identity, chain.chain_id, chain.comm, proof.body), None
    except BadSignature as exc:
        raise Rejected(RejectReason.BAD_SIGNATURE, str(exc)) from exc


def _verify_pgp(
    sub: NotificationSubmitted, channel: ChannelState, key: RegisteredKey | None, signature: str
) -> str:
    """pgpv4: the channel owner's registered Push-profile key signed sha256({data: identity})."""
    if key is None or not key.fingerprint:
        why = "no usable key" if key is not None else "no key"
        raise Rejected(
            RejectReason.PGP_KEY_NOT_REGISTERED,
            f"{channel.channel} had {why} registered as a Push user (POST /apis/v2/users) "
            f"at {sub.submitted_at.isoformat()}",
        )
    if key.expires_us is not None and key.expires_us <= micros(sub.submitted_at):
        raise Rejected(
            RejectReason.PGP_KEY_NOT_REGISTERED, f"key {key.fingerprint} had expired by then"
        )
    if not pgp.verify(key.public_key, pgp.signed_text(sub.identity), signature):
        raise Rejected(
            RejectReason.BAD_SIGNATURE,
            f"pgpv4 signature does not verify with {channel.channel}'s key {key.fingerprint}",
        )
    return key.fingerprint


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
            broadcast=audience if verdict.broadcast else None,
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
