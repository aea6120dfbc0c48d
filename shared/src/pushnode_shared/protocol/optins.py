"""Off-chain opt-in/opt-out requests as the SDK sends them, and who signed them.

v2 (`subscribeV2`): body {verificationProof: "eip712v2:<sig>", message: "<JSON string>", origin};
the signed data is EIP-712 Data{data: message} in the Comm domain of the channel's chain, and
the JSON holds channel, subscriber|unsubscriber, action and (opt-in) userSetting.
v1 (legacy): body {signature | verificationProof: "<sig>", message: {channel, subscriber, action}};
the signed data is the typed Subscribe/Unsubscribe(channel, subscriber, action) message.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pushnode_shared.infra.untrusted import BadJson, load_json
from pushnode_shared.protocol.caip import Account, BadAddress, parse_account
from pushnode_shared.protocol.events.notifications import RejectReason
from pushnode_shared.protocol.payloads import PayloadError
from pushnode_shared.protocol.signatures import (
    BadSignature,
    recover_data_signer,
    recover_typed_signer,
    subscribe_v1_typed_message,
)


@dataclass(frozen=True)
class OptIn:
    """A parsed opt-in/opt-out: what was asked, and exactly what was signed."""

    channel: Account
    subscriber: Account
    action: str
    user_setting: str | None
    message: str
    proof_kind: str
    signature: str


def parse_optin(message: str | dict[str, Any], proof: str, action: str) -> OptIn:
    """Read the request; PayloadError with a reason when it is not what the SDK sends."""
    if isinstance(message, str):
        kind, _, signature = proof.partition(":")
        if kind != "eip712v2" or not signature:
            raise PayloadError(RejectReason.BAD_PROOF_FORMAT, "expected eip712v2:<signature>")
        fields = _json_object(message)
        return _optin(fields, action, message, "eip712v2", signature.split("::uid::")[0])
    raw = proof.removeprefix("eip712v1:")
    return _optin(message, action, json.dumps(message, sort_keys=True), "eip712v1", raw)


def _json_object(text: str) -> dict[str, Any]:
    try:
        fields = load_json(text)
    except BadJson as exc:
        raise PayloadError(RejectReason.BAD_PAYLOAD, f"message is not JSON: {exc}") from exc
    if not isinstance(fields, dict):
        raise PayloadError(RejectReason.BAD_PAYLOAD, "message is not a JSON object")
    return fields


def _optin(fields: dict[str, Any], action: str, signed: str, kind: str, sig: str) -> OptIn:
    if fields.get("action") != action:
        raise PayloadError(RejectReason.BAD_PAYLOAD, f"message action must be {action}")
    who = fields.get("subscriber" if action == "Subscribe" else "unsubscriber")
    try:
        channel = parse_account(str(fields.get("channel", "")))
        subscriber = parse_account(str(who or ""))
    except BadAddress as exc:
        raise PayloadError(RejectReason.BAD_PAYLOAD, str(exc)) from exc
    setting = fields.get("userSetting")
    return OptIn(channel, subscriber, action, str(setting) if setting else None, signed, kind, sig)


def optin_signer(optin: OptIn, chain_id: int, comm_address: str) -> str:
    """The address that signed the request (raises BadSignature)."""
    if optin.proof_kind == "eip712v2":
        return recover_data_signer(optin.message, chain_id, comm_address, optin.signature)
    typed = subscribe_v1_typed_message(
        optin.action, optin.channel.address, optin.subscriber.address, chain_id, comm_address
    )
    return recover_typed_signer(typed, optin.signature)


__all__ = ["BadSignature", "OptIn", "optin_signer", "parse_optin"]
