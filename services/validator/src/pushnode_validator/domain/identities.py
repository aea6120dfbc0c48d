"""Identity strings to payloads: inline (types 0, 2) or fetched from IPFS (type 1); pure.

The handler fetches IPFS blocks before judging and passes them in as `blocks`
(CID -> bytes, or None when this node's kubo does not hold it).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from pushnode_shared.infra.ipfs import parse_cid
from pushnode_shared.protocol.events import RejectReason
from pushnode_shared.protocol.payloads import (
    Identity,
    PayloadError,
    parse_identity,
    parse_payload_json,
)

# A payload is a file: a raw block (this node's uploads) or UnixFS (`ipfs add`).
_FILE_CODECS = {"raw", "dag-pb"}


def ipfs_cid(identity: str) -> str | None:
    """The CID of a well-formed `1+<cid>` identity; None for other types or a malformed CID."""
    kind, _, rest = identity.partition("+")
    if kind != "1":
        return None
    try:
        cid = parse_cid(rest)
    except ValueError:
        return None
    return rest if cid.codec.name in _FILE_CODECS else None


@lru_cache(maxsize=4096)
def _parsed(identity: str) -> Identity:
    # A notification's identity is read three times per decision (recipients to load, the
    # batch view, the verdict): parse and check it once. Refusals raise and are not cached.
    return parse_identity(identity)


def resolve(identity: str, blocks: Mapping[str, bytes | None]) -> dict[str, Any]:
    """The checked payload JSON an identity stands for; PayloadError with the reason otherwise.

    Callers get a shared dict for a given identity: they copy before changing it.
    """
    parsed = _parsed(identity)
    if parsed.payload is not None:
        return parsed.payload
    if parsed.storage_type == 3:
        raise PayloadError(
            RejectReason.UNSUPPORTED_IDENTITY,
            "subgraph identities (type 3) are not supported by this node; send type 2 or 1",
        )
    cid = ipfs_cid(identity)
    if cid is None:
        raise PayloadError(
            RejectReason.BAD_IDENTITY, "type 1 identity is not 1+<CID of a raw or UnixFS file>"
        )
    data = blocks.get(cid)
    if data is None:
        raise PayloadError(RejectReason.IDENTITY_NOT_FOUND, f"IPFS CID {cid} is not on this node")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PayloadError(RejectReason.BAD_PAYLOAD, f"IPFS object {cid} is not UTF-8") from exc
    return parse_payload_json(text)
