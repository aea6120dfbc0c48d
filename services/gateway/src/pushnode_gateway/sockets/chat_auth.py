"""GATEWAY_CHAT_SOCKET_AUTH=required: a chat socket proves it holds the wallet of its DID.

The connect query carries `authTime` (unix seconds) and `authSig`: the DID's address
personal_sign'ed (EIP-191) the text `chat_auth_message(did, authTime)`. It is accepted within
WINDOW_SECONDS of the gateway's clock either way, so a captured query is useless minutes later.
This is authentication at the edge, not a protocol rule: nothing on the log depends on the
clock read here. The SDK's own sockets send no such fields, so with `required` only clients
that sign (a wallet app, a custom integration) can open chat sockets; `any` stays the default.
"""

from __future__ import annotations

from pushnode_shared.protocol.caip import BadAddress, parse_account
from pushnode_shared.protocol.signatures import BadSignature, recover_personal_signer

WINDOW_SECONDS = 300


def chat_auth_message(did: str, auth_time: int) -> str:
    """What the wallet signs: the node, the DID (lower-cased) and the time."""
    return f"pushnode chat socket\n{did.lower()}\n{auth_time}"


def chat_auth_problem(did: str, auth_time: str, signature: str, now: float) -> str | None:
    """Why this connect query does not prove the DID's wallet; None when it does."""
    try:
        account = parse_account(did)
    except BadAddress:
        return "BAD_DID"
    if not auth_time.isdigit() or len(auth_time) > 12:
        return "AUTH_TIME_MISSING"
    if abs(now - int(auth_time)) > WINDOW_SECONDS:
        return "AUTH_EXPIRED"
    try:
        signer = recover_personal_signer(chat_auth_message(did, int(auth_time)), signature)
    except (BadSignature, ValueError):
        return "BAD_SIGNATURE"
    return None if signer.lower() == account.lower else "WRONG_SIGNER"
