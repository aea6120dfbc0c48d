"""Node-to-node requests: signed by the asking node's key, accepted only from configured peers.

Three headers carry the asker's node id, the unix time and a signature over the method, path,
query and that time. A GET replayed within the allowed skew reads what it already read; a
request from a key that is not a configured peer, or out of the skew, is refused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping

from pushnode_shared.protocol.network.keys import BadNodeSignature, NodeKey, recover_digest_signer

NODE_ID, NODE_TIME, NODE_SIGNATURE = "x-pushnode-node", "x-pushnode-time", "x-pushnode-signature"
MAX_SKEW_SECONDS = 60
_DOMAIN = b"pushnode/node-request/v1\n"


class Unauthorised(ValueError):
    """The request is not signed by a configured peer within the allowed time."""


def _digest(method: str, path: str, query: str, at: int) -> bytes:
    text = "\n".join((method.upper(), path, query, str(at)))
    return hashlib.sha256(_DOMAIN + text.encode()).digest()


def sign_request(key: NodeKey, method: str, path: str, query: str, now: int) -> dict[str, str]:
    """The headers that make this request the node's own."""
    signature = key.sign_digest(_digest(method, path, query, now))
    return {NODE_ID: key.address, NODE_TIME: str(now), NODE_SIGNATURE: signature}


def check_request(
    headers: Mapping[str, str],
    method: str,
    path: str,
    query: str,
    *,
    now: int,
    peers: Collection[str],
) -> str:
    """The asking peer's node id; Unauthorised unless signed by a peer within the skew."""
    node, at, signature = (headers.get(h, "") for h in (NODE_ID, NODE_TIME, NODE_SIGNATURE))
    if node not in peers:
        raise Unauthorised("not a configured peer")
    if not at.isascii() or not at.isdigit() or len(at) > 12:
        raise Unauthorised("no request time")
    if abs(now - int(at)) > MAX_SKEW_SECONDS:
        raise Unauthorised("request time out of the allowed skew")
    try:
        signer = recover_digest_signer(_digest(method, path, query, int(at)), signature)
    except BadNodeSignature as exc:
        raise Unauthorised(str(exc)) from exc
    if signer != node:
        raise Unauthorised("not signed by the named node")
    return node
