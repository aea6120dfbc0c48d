"""Signed off-chain opt-ins/opt-outs as submitted, and the validator's refusals of them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pushnode_shared.protocol.events.base import ChannelKeyed, register


class SubscriptionAction(StrEnum):
    """What the wallet asked for."""

    SUBSCRIBE = "Subscribe"
    UNSUBSCRIBE = "Unsubscribe"


@register
class SubscriptionSubmitted(ChannelKeyed):
    """A wallet posted a signed opt-in or opt-out to the gateway (not yet judged).

    `message` is exactly what was signed: the SDK's JSON string for eip712v2 proofs, or the
    JSON of the legacy typed-data message for v1 proofs (proof_kind "eip712v1").
    """

    TYPE = "SubscriptionSubmitted"

    channel: str
    chain_id: int
    subscriber: str
    action: SubscriptionAction
    user_setting: str | None = None
    message: str
    proof_kind: str
    signature: str
    submitted_at: datetime


@register
class SubscriptionRejected(ChannelKeyed):
    """The validator refused an off-chain opt-in/opt-out, with the reason code."""

    TYPE = "SubscriptionRejected"

    channel: str
    subscriber: str
    reason: str
    detail: str
