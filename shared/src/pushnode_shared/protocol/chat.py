"""Push Chat identifiers and hashing, exactly as @pushprotocol/restapi computes them.

The SDK signs `sha256(JSON.stringify(body))` (hex) of objects whose key order it fixes, so
the node re-serialises the received objects the way JSON.stringify does before verifying.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pushnode_shared.protocol.caip import BadAddress, parse_account

__all__ = [
    "BadAddress",
    "armored_key",
    "chat_id",
    "conversation_of",
    "did_of",
    "js_stringify",
    "sdk_hash",
]


def did_of(text: str) -> str:
    """The chat DID of a wallet: partial CAIP `eip155:<checksummed address>`; BadAddress if not."""
    return parse_account(text).caip10()


def conversation_of(did_a: str, did_b: str) -> str:
    """The Kafka key and id of a 1:1 conversation: both DIDs, sorted, joined by '+'."""
    return "+".join(sorted((did_a, did_b)))


def chat_id(conversation: str) -> str:
    """The 64-hex chatId the SDK shows for a 1:1 chat (stable for the DID pair)."""
    return hashlib.sha256(conversation.encode()).hexdigest()


def _js_numbers(value: Any) -> Any:
    # JSON.stringify writes 1.0 as 1; Python as 1.0.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _js_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_js_numbers(v) for v in value]
    return value


def js_stringify(value: Any) -> str:
    """JSON.stringify(value): insertion order, no spaces, non-ASCII left as is."""
    return json.dumps(_js_numbers(value), separators=(",", ":"), ensure_ascii=False)


def sdk_hash(value: Any) -> str:
    """CryptoJS.SHA256(JSON.stringify(value)).toString(): the hex digest the SDK signs."""
    return hashlib.sha256(js_stringify(value).encode()).hexdigest()


def armored_key(public_key: str) -> str:
    """The armored key inside the SDK's `{"key": …, "signature": "DEPRECATED"}` (or bare)."""
    try:
        parsed = json.loads(public_key)
    except ValueError:
        return public_key
    if isinstance(parsed, dict) and isinstance(parsed.get("key"), str):
        return str(parsed["key"])
    return public_key
