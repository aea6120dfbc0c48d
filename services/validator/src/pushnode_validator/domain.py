"""Pure protocol rules: chain logs to facts, and the verdict on a submitted notification."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from pushnode_shared.caip import BadAddress, parse_account
from pushnode_shared.chains import ChainConfig
from pushnode_shared.events import (
    ChainEventObserved,
    ChannelAliasRejected,
    ChannelAliasRemoved,
    ChannelAliasVerified,
    ChannelCreated,
    ChannelStateChanged,
    ChannelUpdated,
    DelegateAdded,
    DelegateRemoved,
    Event,
    RejectReason,
    SubscriptionAction,
    SubscriptionAdded,
    SubscriptionRejected,
    SubscriptionRemoved,
    SubscriptionSubmitted,
)
from pushnode_shared.optins import optin_signer, parse_optin
from pushnode_shared.payloads import PayloadError
from pushnode_shared.signatures import BadSignature
from pushnode_validator import identities
from pushnode_validator.notifications import (
    Rejected,
    Verdict,
    is_broadcast,
    judge,
    recipients_of,
)
from pushnode_validator.projection import ChannelState

__all__ = ["Verdict", "facts_from_log", "judge", "judge_onchain", "judge_optin", "undo"]

# The SDK's minimal user setting: "<enabled count>+<type>-<on>[-<value>[-<upper>]]+…" with
# type 1 boolean (no value), 2 slider (one value), 3 range (lower and upper).
_SETTING = re.compile(r"1-[01]|2-[01]-[0-9.]+|3-[01]-[0-9.]+-[0-9.]+")

_STATE_EVENTS = {
    "DeactivateChannel": (False, "deactivated"),
    "ReactivateChannel": (True, "reactivated"),
    "ChannelBlocked": (False, "blocked"),
    # A time-bound channel past its expiry, destroyed on Core: it can no longer send.
    "TimeBoundChannelDestroyed": (False, "destroyed"),
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


def ownership_transfer(log: ChainEventObserved, before: ChannelState | None) -> list[Event]:
    """Core's transferChannelOwnership: the channel moves to `newOwner`, the old address stops.

    Core copies the channel record (type, identity) to the new address and deletes the old
    one, so the old address can no longer send and the new one sends as that channel. Comm
    keeps subscriptions under the address they were made to: they are not carried over.
    """
    if before is None or not before.chain_id:
        return []  # not a channel this node knows: nothing to move
    new_owner = str(log.args["newOwner"]).lower()
    return [
        ChannelStateChanged(
            channel=log.channel, chain_id=log.chain_id, active=False, cause="transferred"
        ),
        ChannelCreated(
            channel=new_owner,
            chain_id=log.chain_id,
            channel_type=before.channel_type,
            identity=before.identity,
            block_number=log.block_number,
        ),
    ]


def judge_optin(
    sub: SubscriptionSubmitted, channel: ChannelState | None, chain: ChainConfig | None
) -> Event:
    """An off-chain opt-in/out becomes the same fact an on-chain Subscribe would, or a refusal."""
    try:
        if chain is None:
            raise Rejected(RejectReason.CHAIN_NOT_SUPPORTED, f"chain {sub.chain_id} not followed")
        if channel is None or not channel.chain_id:
            raise Rejected(RejectReason.UNKNOWN_CHANNEL, f"{sub.channel} is not a channel")
        setting = _verify_optin(sub, chain)
        check_user_setting(setting)
    except (Rejected, PayloadError) as exc:
        return SubscriptionRejected(
            channel=sub.channel, subscriber=sub.subscriber, reason=exc.reason, detail=exc.detail
        )
    if sub.action is SubscriptionAction.UNSUBSCRIBE:
        return SubscriptionRemoved(
            channel=sub.channel, subscriber=sub.subscriber, chain_id=sub.chain_id
        )
    return SubscriptionAdded(
        channel=sub.channel,
        subscriber=sub.subscriber,
        chain_id=sub.chain_id,
        user_setting=setting or None,  # what the wallet signed, not a copy beside it
    )


def check_user_setting(setting: str | None) -> None:
    """The opt-in's settings string is the SDK's minimal form, its count matching (or empty)."""
    if not setting:
        return
    count, _, rest = setting.partition("+")
    entries = rest.split("+") if rest else []
    if not count.isdigit() or not all(_SETTING.fullmatch(e) for e in entries):
        raise Rejected(RejectReason.BAD_PAYLOAD, f"userSetting {setting!r} is not <n>+<type>-<on>…")
    enabled = sum(1 for e in entries if e.split("-")[1] == "1")
    if int(count) != enabled:
        raise Rejected(RejectReason.BAD_PAYLOAD, f"userSetting says {count} on, lists {enabled}")


def _verify_optin(sub: SubscriptionSubmitted, chain: ChainConfig) -> str | None:
    """Check who signed; the signed user setting string when all is well."""
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
    return optin.user_setting


def undo(fact: Event) -> Event | None:
    """The fact that reverses one fact, for a chain event the chain retracted.

    None where the old value is not known (a metadata update): the next update corrects it.
    """
    if isinstance(fact, ChannelUpdated | ChannelAliasRejected):
        return None
    if isinstance(fact, ChannelAliasVerified):
        return ChannelAliasRemoved.model_validate(fact.model_dump())
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
    return inverse[type(fact)].model_validate(fact.model_dump(exclude={"user_setting"}))


def judge_onchain(
    log: ChainEventObserved,
    channel: ChannelState | None,
    already_seen: bool,
    blocks: Mapping[str, bytes | None] | None = None,
) -> Verdict:
    """A Comm SendNotification log: the contract authorised the sender; the node checks the rest.

    Push's rule: a recipient equal to the channel means a broadcast; a subset payload names
    its recipients; otherwise the log's recipient is the single target. On an alias chain the
    log's channel must be the channel's verified alias there. The chain charged gas for it, so
    no rate limit applies.
    """
    try:
        if already_seen:
            raise Rejected(RejectReason.DUPLICATE_NOTIFICATION, "this log was already judged")
        if channel is None or not channel.chain_id:
            raise Rejected(RejectReason.UNKNOWN_CHANNEL, f"{log.channel} is not a channel")
        if not channel.active:
            why = channel.cause or "inactive"
            raise Rejected(RejectReason.CHANNEL_INACTIVE, f"{channel.channel} is {why}")
        if not channel.speaks_on(log.chain_id, log.channel):
            raise Rejected(
                RejectReason.ALIAS_NOT_VERIFIED, f"{log.channel} on {log.chain_id}: no alias"
            )
        identity = onchain_identity(log, strict=True)
        recipient = str(log.args["recipient"]).lower()
        payload = dict(identities.resolve(identity, blocks or {}))
        if recipient == log.channel and str(payload["data"].get("type")) != "4":
            payload["data"] = {**payload["data"], "type": "1"}
        recipients = recipients_of(f"eip155:{log.chain_id}:{recipient}", payload, channel)
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
        broadcast=is_broadcast(payload),
    )


def onchain_identity(log: ChainEventObserved, *, strict: bool = False) -> str:
    """The identity bytes of a SendNotification log as text (strict: UnicodeDecodeError)."""
    raw = bytes.fromhex(str(log.args["identity"]).removeprefix("0x"))
    return raw.decode("utf-8", errors="strict" if strict else "replace")


def onchain_proof(log: ChainEventObserved) -> str:
    """The verification proof of an on-chain notification: eip155:<chain>:<tx hash>."""
    return f"eip155:{log.chain_id}:{log.tx_hash}"


def wanted_wallets(
    identity: str,
    recipient: str,
    broadcast_to: str | None = None,
    blocks: Mapping[str, bytes | None] | None = None,
) -> set[str] | None:
    """Which subscribers a notification decision needs to know about; None means all of them.

    A broadcast needs none: it is stamped with the channel's position instead of a list.

    `broadcast_to` is the channel for on-chain sends, where recipient == channel broadcasts.
    """
    try:
        payload = identities.resolve(identity, blocks or {})
        kind = str(payload.get("data", {}).get("type"))
        if kind == "4":
            return {parse_account(a).lower for a in payload.get("recipients") or {}}
        target = parse_account(recipient).lower
    except (PayloadError, BadAddress, TypeError):
        return set()  # the verdict will be a rejection; no subscriber is needed
    if kind == "1" or (broadcast_to is not None and target == broadcast_to):
        return set()
    return {target}
