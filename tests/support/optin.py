"""Builds opt-in/opt-out requests exactly as the SDK's subscribeV2/unsubscribeV2 do."""

from __future__ import annotations

import json
from typing import Any

from eth_account import Account

from pushnode_shared.protocol.signatures import sign_data


def optin_body(
    key: str, channel_caip: str, chain_id: int, comm: str, action: str = "Subscribe"
) -> dict[str, Any]:
    """{verificationProof, message, origin}; message is the 4-space-indented JSON the SDK signs."""
    user = f"eip155:{chain_id}:{Account.from_key(key).address}"
    fields: dict[str, str] = {"channel": channel_caip}
    if action == "Subscribe":
        fields.update(subscriber=user, action="Subscribe", userSetting="")
    else:
        fields.update(unsubscriber=user, action="Unsubscribe")
    message = json.dumps(fields, indent=4)
    proof = "eip712v2:" + sign_data(message, chain_id, comm, key)
    return {"verificationProof": proof, "message": message, "origin": "pushnode-tests"}
