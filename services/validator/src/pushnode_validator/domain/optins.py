"""Pure rule for off-chain opt-ins/outs (consumes SubscriptionSubmitted): the wallet signed it."""

from __future__ import annotations

import json
import re

from pushnode_shared.infra.envelope import derive_id
from pushnode_shared.protocol.chains import ChainConfig
from pushnode_shared.protocol.events import (
    Event,
    RejectReason,
    SubscriptionAction,
    SubscriptionAdded,
    SubscriptionRejected,
    SubscriptionRemoved,
    SubscriptionSubmitted,
)
from pushnode_shared.protocol.optins import optin_signer, parse_optin
from pushnode_shared.protocol.payloads import PayloadError
from pushnode_shared.protocol.signatures import BadSignature
from pushnode_validator.domain.projection import ChannelState
from pushnode_validator.domain.rejected import Rejected

# The SDK's minimal user setting: "<enabled count>+<type>-<on>[-<value>[-<upper>]]+…" with
# type 1 boolean (no value), 2 slider (one value), 3 range (lower and upper).
_SETTING = re.compile(r"1-[01]|2-[01]-[0-9.]+|3-[01]-[0-9.]+-[0-9.]+")


def signed_id(sub: SubscriptionSubmitted) -> str:
    """What an opt-in/out's signature covers, as an id: the signed message in its domain.

    Push's opt-in messages carry no time or nonce, and wallets sign deterministically, so the
    same message is the same signature every time: applied once, it is never applied again.
    """
    parts = (sub.proof_kind, str(sub.chain_id), sub.channel, sub.subscriber, sub.action.value)
    return derive_id("optin", *parts, sub.message)


def judge_optin(
    sub: SubscriptionSubmitted,
    channel: ChannelState | None,
    chain: ChainConfig | None,
    applied_before: bool = False,
) -> Event:
    """An off-chain opt-in/out becomes the same fact an on-chain Subscribe would, or a refusal.

    `applied_before`: this signed message (signed_id) already changed a subscription once.
    """
    try:
        if chain is None:
            raise Rejected(RejectReason.CHAIN_NOT_SUPPORTED, f"chain {sub.chain_id} not followed")
        if channel is None or not channel.chain_id:
            raise Rejected(RejectReason.UNKNOWN_CHANNEL, f"{sub.channel} is not a channel")
        setting = _verify_optin(sub, chain)
        check_user_setting(setting)
        if applied_before:
            raise Rejected(
                RejectReason.DUPLICATE_OPTIN,
                f"this signed {sub.action.value} was applied before; sign a different message "
                "(e.g. other settings) or subscribe on chain",
            )
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
