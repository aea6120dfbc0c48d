"""Pure protocol rules: Core/Comm chain logs to protocol facts, and the facts that undo them."""

from __future__ import annotations

from pushnode_shared.protocol.events import (
    ChainEventObserved,
    ChannelAliasRejected,
    ChannelAliasRemoved,
    ChannelAliasVerified,
    ChannelCreated,
    ChannelSettingsChanged,
    ChannelStateChanged,
    ChannelUpdated,
    ChannelVerificationChanged,
    DelegateAdded,
    DelegateRemoved,
    Event,
    SubscriptionAdded,
    SubscriptionRemoved,
)
from pushnode_validator.domain.projection import ChannelState

_STATE_EVENTS = {
    "DeactivateChannel": (False, "deactivated"),
    "ReactivateChannel": (True, "reactivated"),
    "ChannelBlocked": (False, "blocked"),
    # A time-bound channel past its expiry, destroyed on Core: it can no longer send.
    "TimeBoundChannelDestroyed": (False, "destroyed"),
}

# Core's verification logs: whether the channel is verified after it, and who did it.
_VERIFICATION_EVENTS = {
    "ChannelVerified": (True, "verifier"),
    "ChannelVerificationRevoked": (False, "revoker"),
}


def _chain_text(hex_bytes: object) -> str:
    """Bytes from a log as text a database can hold: bad UTF-8 and NUL become U+FFFD.

    Anyone can put a NUL in an on-chain identity, and PostgreSQL text refuses it.
    """
    text = bytes.fromhex(str(hex_bytes).removeprefix("0x")).decode(errors="replace")
    return text.replace("\x00", "\ufffd")


def _text_of(value: object) -> str:
    """A string argument as a database can hold it (no NUL)."""
    return str(value).replace("\x00", "\ufffd")


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
    if log.event in _VERIFICATION_EVENTS and log.chain_id in core_chains:
        verified, role = _VERIFICATION_EVENTS[log.event]
        return [
            ChannelVerificationChanged(
                channel=log.channel,
                chain_id=log.chain_id,
                verified=verified,
                by=str(args[role]).lower(),
            )
        ]
    if log.event == "ChannelNotifcationSettingsAdded" and log.chain_id in core_chains:
        return [
            ChannelSettingsChanged(
                channel=log.channel,
                chain_id=log.chain_id,
                settings=_text_of(args["_notifSettings"]),
                description=_text_of(args["_notifDescription"]),
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


def undo(fact: Event) -> Event | None:
    """The fact that reverses one fact, for a chain event the chain retracted.

    None where the old value is not known (a metadata update): the next update corrects it.
    """
    if isinstance(fact, ChannelUpdated | ChannelAliasRejected | ChannelSettingsChanged):
        return None
    if isinstance(fact, ChannelAliasVerified):
        return ChannelAliasRemoved.model_validate(fact.model_dump())
    if isinstance(fact, ChannelCreated):
        return ChannelStateChanged(
            channel=fact.channel, chain_id=fact.chain_id, active=False, cause="retracted"
        )
    if isinstance(fact, ChannelStateChanged):
        return fact.model_copy(update={"active": not fact.active, "cause": "retracted"})
    if isinstance(fact, ChannelVerificationChanged):
        return fact.model_copy(update={"verified": not fact.verified})
    inverse: dict[type[Event], type[Event]] = {
        SubscriptionAdded: SubscriptionRemoved,
        SubscriptionRemoved: SubscriptionAdded,
        DelegateAdded: DelegateRemoved,
        DelegateRemoved: DelegateAdded,
    }
    return inverse[type(fact)].model_validate(fact.model_dump(exclude={"user_setting"}))
