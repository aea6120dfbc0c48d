"""Notification submissions and the validator's decisions about them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, SerializerFunctionWrapHandler, model_serializer

from pushnode_shared.protocol.events.base import ChannelKeyed, register


class RejectReason(StrEnum):
    """Machine-readable reasons a notification was refused; shown in rejections and API errors."""

    UNKNOWN_CHANNEL = "UNKNOWN_CHANNEL"
    CHANNEL_INACTIVE = "CHANNEL_INACTIVE"
    BAD_SIGNATURE = "BAD_SIGNATURE"
    SIGNER_NOT_AUTHORISED = "SIGNER_NOT_AUTHORISED"
    BAD_PROOF_FORMAT = "BAD_PROOF_FORMAT"
    UNSUPPORTED_PROOF = "UNSUPPORTED_PROOF"
    BAD_IDENTITY = "BAD_IDENTITY"
    UNSUPPORTED_IDENTITY = "UNSUPPORTED_IDENTITY"
    BAD_PAYLOAD = "BAD_PAYLOAD"
    BAD_RECIPIENT = "BAD_RECIPIENT"
    BAD_SENDER = "BAD_SENDER"
    CHAIN_NOT_SUPPORTED = "CHAIN_NOT_SUPPORTED"
    DUPLICATE_NOTIFICATION = "DUPLICATE_NOTIFICATION"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    IDENTITY_NOT_FOUND = "IDENTITY_NOT_FOUND"
    ALIAS_NOT_VERIFIED = "ALIAS_NOT_VERIFIED"
    RATE_LIMITED = "RATE_LIMITED"
    PGP_KEY_NOT_REGISTERED = "PGP_KEY_NOT_REGISTERED"
    DUPLICATE_OPTIN = "DUPLICATE_OPTIN"  # an opt-in/out signature already applied once
    # A category whose subscribers, held back and reached alike, are too many to list.
    CATEGORY_TOO_WIDE = "CATEGORY_TOO_WIDE"


class Recipient(BaseModel):
    """One wallet a notification reaches, and whether it lands in the inbox or the spam box."""

    model_config = ConfigDict(frozen=True)

    address: str
    spam: bool


class Broadcast(BaseModel):
    """A broadcast's audience without a list: the channel's subscribers at `position`.

    The validator counts each channel's subscription facts (SubscriptionAdded/Removed carry
    the count after them as `position`); a broadcast carries the count it was judged at. Its
    recipients are the wallets whose period [added at, removed at) contains that position, so
    accepting a broadcast to a million subscribers writes no row per subscriber.

    A broadcast with a category (the payload's `data.index`) also lists the subscribers the
    validator held back (their settings turn that category off, or their value does not
    match): every consumer leaves exactly these out, live and on replay alike.
    """

    model_config = ConfigDict(frozen=True)

    channel: str  # the channel whose subscribers it reaches (an alias sender's home channel)
    position: int
    held_back: list[str] = []

    @model_serializer(mode="wrap")
    def _without_empty(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # A broadcast without a category is written (and stored, so its CID kept) as before.
        data: dict[str, Any] = handler(self)
        if not self.held_back:
            data.pop("held_back", None)
        return data

    def reaches(self, wallets: list[str]) -> list[str]:
        """`wallets` (subscribed at the position) without those held back."""
        if not self.held_back:
            return wallets
        held = set(self.held_back)
        return [w for w in wallets if w not in held]


@register
class NotificationSubmitted(ChannelKeyed):
    """A dapp posted a signed notification to the gateway (not yet judged)."""

    TYPE = "NotificationSubmitted"

    notification_id: str
    channel: str
    sender: str
    recipient: str
    identity: str
    verification_proof: str
    source: str
    submitted_at: datetime


@register
class NotificationAccepted(ChannelKeyed):
    """The validator admitted a notification; recipients carry the inbox/spam decision.

    A broadcast has no recipients but a `broadcast` marker (every subscriber, in the inbox).
    """

    TYPE = "NotificationAccepted"

    notification_id: str
    channel: str
    chain_id: int
    sender: str
    signer: str
    recipients: list[Recipient]
    broadcast: Broadcast | None = None
    identity: str
    payload: dict[str, Any]
    verification_proof: str
    source: str
    submitted_at: datetime
    # pgpv4 proofs: fingerprint of the registered PGP key the proof verified with.
    signing_key: str | None = None


@register
class NotificationRejected(ChannelKeyed):
    """The validator refused a notification, with the reason code and a human detail."""

    TYPE = "NotificationRejected"

    notification_id: str
    channel: str
    reason: RejectReason
    detail: str


@register
class NotificationWithdrawn(ChannelKeyed):
    """An accepted on-chain notification whose log a reorg removed: it no longer happened.

    Keyed by the channel like its NotificationAccepted, so it lands after it in the same
    partition; `block_number`/`tx_hash` name the dropped log, `reason` is "reorg".
    """

    TYPE = "NotificationWithdrawn"

    notification_id: str
    channel: str
    chain_id: int
    block_number: int
    tx_hash: str
    reason: str = "reorg"
