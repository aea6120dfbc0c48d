"""What a client signs, written here from the SDK and the README rather than imported from the
node: a test that signed with the node's own helpers would agree with the node even where
both are wrong. eth-account does the cryptography; the texts are spelled out below.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data


def sign_data(data: str, chain_id: int, comm: str, private_key: str) -> str:
    """The SDK's `eip712v2` signature: EIP-712 over Data{data: string} in the domain
    "EPNS COMM V1" of the chain's EPNS Communicator."""
    typed = {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "Data": [{"name": "data", "type": "string"}],
        },
        "primaryType": "Data",
        "domain": {"name": "EPNS COMM V1", "chainId": chain_id, "verifyingContract": comm},
        "message": {"data": data},
    }
    signed = Account.sign_message(encode_typed_data(full_message=typed), private_key)
    return "0x" + bytes(signed.signature).hex()


def personal_sign(message: str, private_key: str) -> str:
    """EIP-191 personal_sign of a UTF-8 text, as a wallet's signMessage does."""
    signed = Account.sign_message(encode_defunct(text=message), private_key)
    return "0x" + bytes(signed.signature).hex()


def device_registration_text(
    action: str, wallet: str, token: str, platform: str, timestamp: int, app: str | None = None
) -> str:
    """The text a wallet signs to register or remove a device token (the README spells it;
    naming an app adds one line, `app: <app>`, after the timestamp)."""
    text = (
        f"pushnode device registration\naction: {action}\nwallet: {wallet.lower()}\n"
        f"platform: {platform}\ndevice_token: {token}\ntimestamp: {timestamp}"
    )
    return text if app is None else f"{text}\napp: {app}"


def device_registration(
    key: str,
    token: str,
    platform: str,
    *,
    app: str | None = None,
    signed_app: str | None = None,
    wallet_key: str | None = None,
    age: int = 0,
) -> dict[str, Any]:
    """The body of POST /apis/v1/pushtokens/register, signed by `key` for the wallet of
    `wallet_key` (`key`'s own by default), `age` seconds old; `signed_app` signs another app
    than the body names."""
    wallet = Account.from_key(wallet_key or key).address.lower()
    timestamp = int(time.time()) - age
    signed = signed_app if signed_app is not None else app
    text = device_registration_text("register", wallet, token, platform, timestamp, signed)
    body = {
        "wallet": f"eip155:{wallet}",
        "device_token": token,
        "platform": platform,
        "timestamp": timestamp,
        "signature": personal_sign(text, key),
    }
    return body if app is None else body | {"app": app}


def sdk_hash(value: Any) -> str:
    """CryptoJS.SHA256(JSON.stringify(value)).toString(): no spaces, non-ASCII as is."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def pgpv4_text(identity: str) -> str:
    """What the SDK's pgpv4 notification proof signs: sha256 hex of JSON.stringify({data})."""
    return sdk_hash({"data": identity})
