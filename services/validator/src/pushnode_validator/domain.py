"""Pure protocol rules: chain logs to facts, and the verdict on a submitted notification."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pushnode_shared.caip import BadAddress, parse_account
from pushnode_shared.chains import ChainConfig
from pushnode_shared.events import (
    ChainEventObserved,
    ChannelCreated,
    ChannelStateChanged,
    ChannelUpdated,
    DelegateAdded,
    DelegateRemoved,
    Event,
    NotificationSubmitted,
    Recipient,
    RejectReason,
    SubscriptionAction,
    SubscriptionAdded,
    SubscriptionRejected,
    SubscriptionRemoved,
    SubscriptionSubmitted,
)
from pushnode_shared.optins import optin_signer, parse_optin
from pushnode_shared.payloads import PayloadError, parse_identity, parse_proof
from pushnode_shared.signatures import BadSignature, recover_data_signer
from pushnode_validator.projection import ChannelState

_STATE_EVENTS = {
    "DeactivateChannel": (False, "deactivated"),
    "ReactivateChannel": (True, "reactivated"),
    "ChannelBlocked": (False, "blocked"),
}


def _chain_text(hex_bytes: object) -> str:
    """Bytes from a log as text a database can hold: bad UTF-8 and NUL become U+FFFD.

    Anyone can put a NUL in an on-chain identity, and PostgreSQL text refuses it.
    """
    text = bytes.fromhex(str(hex_bytes).removeprefix("0x")).decode(errors="replace")
    return text.replace("\x00", "\ufffd")


def facts_from_log(log: ChainEventObserved, core_chains: set[int]) -> list[Event]:
    """Interpret one decoded Core/Comm log as protocol facts (empty when it changes nothing)."""
    args = log.args
    if log.event == "AddChannel" and log.chain_id in core_chains:
        identity = _chain_text(args["identity"])
        return [
            ChannelCreated(
                channel=log.channel,
                chain_id=log.chain_id,
                channel_type=int(args["channelType"]),
                identity=identity,
                block_number=log.block_number,
            )
        ]
    if log.event == "UpdateChannel" and log.chain_id in core_chains:
        identity = _chain_text(args["identity"])
        return [
            ChannelUpdated(
                channel=log.channel,
                chain_id=log.chain_id,
                identity=identity,
                block_number=log.block_number,
            )
        ]
    if log.event in ("AddDelegate", "RemoveDelegate"):
        cls_d = DelegateAdded if log.event == "AddDelegate" else DelegateRemoved
        delegate = str(args["delegate"]).lower()
        return [cls_d(channel=log.channel, delegate=delegate, chain_id=log.chain_id)]
    if log.event in _STATE_EVENTS and log.chain_id in core_chains:
        active, cause = _STATE_EVENTS[log.event]
        return [
            ChannelStateChanged(
                channel=log.channel, chain_id=log.chain_id, active=active, cause=cause
            )
        ]
    if log.event in ("Subscribe", "Unsubscribe"):
        cls = SubscriptionAdded if log.event == "Subscribe" else SubscriptionRemoved
        return [
            cls(channel=log.channel, subscriber=str(args["user"]).lower(), chain_id=log.chain_id)
        ]
    return []


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


class Rejected(Exception):
    """Internal: short-circuits judge() with a reason."""

    def __init__(self, reason: RejectReason, detail: str) -> None:
        super().__init__(detail)
        self.reason, self.detail = reason, detail


def judge(
    sub: NotificationSubmitted,
    channel: ChannelState | None,
    chain: ChainConfig | None,
    already_seen: bool,
) -> Verdict:
    """Decide one submission against the channel's state; deterministic for replay."""
    try:
        return _judge(sub, channel, chain, already_seen)
    except Rejected as exc:
        return Verdict(accepted=False, reason=exc.reason, detail=exc.detail)
    except PayloadError as exc:
        return Verdict(accepted=False, reason=exc.reason, detail=exc.detail)


def _judge(
    sub: NotificationSubmitted,
    channel: ChannelState | None,
    chain: ChainConfig | None,
    already_seen: bool,
) -> Verdict:
    if already_seen:
        raise Rejected(RejectReason.DUPLICATE_NOTIFICATION, "this notification was already judged")
    sender = _account(sub.sender, RejectReason.BAD_SENDER)
    if chain is None or sender.chain_id is None:
        raise Rejected(RejectReason.CHAIN_NOT_SUPPORTED, f"no configured chain for {sub.sender}")
    if channel is None or not channel.chain_id:
        raise Rejected(RejectReason.UNKNOWN_CHANNEL, f"{sender.lower} is not a channel")
    if not channel.active:
        raise Rejected(RejectReason.CHANNEL_INACTIVE, f"{sender.lower} is deactivated or blocked")
    signer = _verify_proof(sub, chain)
    if not channel.may_send(chain.chain_id, signer):
        raise Rejected(
            RejectReason.SIGNER_NOT_AUTHORISED, f"{signer} may not send for {channel.channel}"
        )
    identity = parse_identity(sub.identity)
    if identity.payload is None:
        raise Rejected(RejectReason.UNSUPPORTED_IDENTITY, f"identity type {identity.storage_type}")
    recipients = _recipients(sub.recipient, identity.payload, channel)
    return Verdict(
        accepted=True,
        signer=signer,
        chain_id=chain.chain_id,
        payload=identity.payload,
        recipients=recipients,
    )


def _account(text: str, reason: RejectReason) -> Any:
    try:
        return parse_account(text)
    except BadAddress as exc:
        raise Rejected(reason, str(exc)) from exc


def _verify_proof(sub: NotificationSubmitted, chain: ChainConfig) -> str:
    proof = parse_proof(sub.verification_proof)
    if proof.kind != "eip712v2":
        raise Rejected(RejectReason.UNSUPPORTED_PROOF, f"proof kind {proof.kind} not supported yet")
    try:
        return recover_data_signer(sub.identity, chain.chain_id, chain.comm, proof.body)
    except BadSignature as exc:
        raise Rejected(RejectReason.BAD_SIGNATURE, str(exc)) from exc


def _recipients(
    recipient: str, payload: dict[str, Any], channel: ChannelState
) -> tuple[Recipient, ...]:
    kind = str(payload.get("data", {}).get("type"))
    if kind == "1":
        return tuple(Recipient(address=a, spam=False) for a in sorted(channel.subscribers))
    if kind == "3":
        addresses = [_account(recipient, RejectReason.BAD_RECIPIENT).lower]
    else:
        targets = payload.get("recipients")
        if not isinstance(targets, dict) or not targets:
            raise Rejected(RejectReason.BAD_RECIPIENT, "subset needs a recipients object")
        addresses = sorted({_account(a, RejectReason.BAD_RECIPIENT).lower for a in targets})
    return tuple(Recipient(address=a, spam=a not in channel.subscribers) for a in addresses)


def judge_optin(
    sub: SubscriptionSubmitted, channel: ChannelState | None, chain: ChainConfig | None
) -> Event:
    """An off-chain opt-in/out becomes the same fact an on-chain Subscribe would, or a refusal."""
    try:
        if chain is None:
            raise Rejected(RejectReason.CHAIN_NOT_SUPPORTED, f"chain {sub.chain_id} not followed")
        if channel is None or not channel.chain_id:
            raise Rejected(RejectReason.UNKNOWN_CHANNEL, f"{sub.channel} is not a channel")
        _verify_optin(sub, chain)
    except (Rejected, PayloadError) as exc:
        return SubscriptionRejected(
            channel=sub.channel, subscriber=sub.subscriber, reason=exc.reason, detail=exc.detail
        )
    cls = SubscriptionAdded if sub.action is SubscriptionAction.SUBSCRIBE else SubscriptionRemoved
    return cls(channel=sub.channel, subscriber=sub.subscriber, chain_id=sub.chain_id)


def _verify_optin(sub: SubscriptionSubmitted, chain: ChainConfig) -> None:
    if sub.proof_kind == "eip712v2":
        optin = parse_optin(sub.message, f"eip712v2:{sub.signature}", sub.action.value)
    else:
        optin = parse_optin(json.loads(sub.message), sub.signature, sub.action.value)
    if optin.subscriber.lower != sub.subscriber or optin.channel.lower != sub.channel:
        raise Rejected(RejectReason.BAD_PAYLOAD, "the signed message names other parties")
    try:
        signer = optin_signer(optin, chain.chain_id, chain.comm)
    except BadSignature as exc:
        raise Rejected(RejectReason.BAD_SIGNATURE, str(exc)) from exc
    if signer.lower() != sub.subscriber:
        raise Rejected(RejectReason.SIGNER_NOT_AUTHORISED, "only the wallet itself may opt in/out")


def undo(fact: Event) -> Event | None:
    """The fact that reverses one fact, for a chain event the chain retracted.

    None where the old value is not known (a metadata update): the next update corrects it.
    """
    if isinstance(fact, ChannelUpdated):
        return None
    if isinstance(fact, ChannelCreated):
        return ChannelStateChanged(
            channel=fact.channel, chain_id=fact.chain_id, active=False, cause="retracted"
        )
    if isinstance(fact, ChannelStateChanged):
        return fact.model_copy(update={"active": not fact.active, "cause": "retracted"})
    inverse: dict[type[Event], type[Event]] = {
        SubscriptionAdded: SubscriptionRemoved,
        SubscriptionRemoved: SubscriptionAdded,
        DelegateAdded: DelegateRemoved,
        DelegateRemoved: DelegateAdded,
    }
    return inverse[type(fact)].model_validate(fact.model_dump())


def judge_onchain(
    log: ChainEventObserved, channel: ChannelState | None, already_seen: bool
) -> Verdict:
    """A Comm SendNotification log: the contract authorised the sender; the node checks the rest.

    Push's rule: a recipient equal to the channel means a broadcast; a subset payload names
    its recipients; otherwise the log's recipient is the single target.
    """
    try:
        if already_seen:
            raise Rejected(RejectReason.DUPLICATE_NOTIFICATION, "this log was already judged")
        if channel is None or not channel.chain_id:
            raise Rejected(RejectReason.UNKNOWN_CHANNEL, f"{log.channel} is not a channel")
        if not channel.active:
            raise Rejected(
                RejectReason.CHANNEL_INACTIVE, f"{log.channel} is deactivated or blocked"
            )
        raw = bytes.fromhex(str(log.args["identity"]).removeprefix("0x"))
        identity = parse_identity(raw.decode("utf-8", errors="strict"))
        if identity.payload is None:
            raise Rejected(
                RejectReason.UNSUPPORTED_IDENTITY, f"identity type {identity.storage_type}"
            )
        recipient = str(log.args["recipient"]).lower()
        payload = dict(identity.payload)
        if recipient == log.channel and str(payload["data"].get("type")) != "4":
            payload["data"] = {**payload["data"], "type": "1"}
        recipients = _recipients(f"eip155:{log.chain_id}:{recipient}", payload, channel)
    except (Rejected, PayloadError) as exc:
        return Verdict(accepted=False, reason=exc.reason, detail=exc.detail)
    except UnicodeDecodeError as exc:
        return Verdict(accepted=False, reason=RejectReason.BAD_IDENTITY, detail=str(exc))
    return Verdict(
        accepted=True,
        signer=log.channel,
        chain_id=log.chain_id,
        payload=payload,
        recipients=recipients,
    )


def onchain_proof(log: ChainEventObserved) -> str:
    """The verification proof of an on-chain notification: eip155:<chain>:<tx hash>."""
    return f"eip155:{log.chain_id}:{log.tx_hash}"


def wanted_wallets(
    identity: str, recipient: str, broadcast_to: str | None = None
) -> set[str] | None:
    """Which subscribers a notification decision needs to know about; None means all of them.

    `broadcast_to` is the channel for on-chain sends, where recipient == channel broadcasts.
    """
    try:
        payload = parse_identity(identity).payload or {}
        kind = str(payload.get("data", {}).get("type"))
        if kind == "4":
            return {parse_account(a).lower for a in payload.get("recipients") or {}}
        target = parse_account(recipient).lower
    except (PayloadError, BadAddress, TypeError):
        return set()  # the verdict will be a rejection; no subscriber is needed
    if kind == "1" or (broadcast_to is not None and target == broadcast_to):
        return None
    return {target}
