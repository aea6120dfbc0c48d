"""The configured peers (`PUSHNODE_PEERS`): a JSON list of {"url", "address"}, bounded and checked.

Peers come only from configuration (and later the NodeRegistry contract): a node never fetches
an address a client or a peer names.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from pushnode_shared.protocol.network.keys import normalise_address

MAX_PEERS = 64


class Peer(BaseModel):
    """One peer node: where to reach its gateway and the node id it must sign as."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: Annotated[str, Field(max_length=300)]
    address: str

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("a peer url is http(s)://host[:port]")
        return url.rstrip("/")

    @field_validator("address")
    @classmethod
    def _node_id(cls, address: str) -> str:
        return normalise_address(address)


_PEERS = TypeAdapter(list[Peer])


def parse_peers(text: str) -> list[Peer]:
    """Peers from PUSHNODE_PEERS; ValueError on anything but a short list of valid peers."""
    if not text.strip():
        return []
    try:
        peers = _PEERS.validate_json(text)
    except ValidationError as exc:
        raise ValueError(f"PUSHNODE_PEERS: {exc.error_count()} errors") from exc
    if len(peers) > MAX_PEERS:
        raise ValueError(f"PUSHNODE_PEERS: more than {MAX_PEERS} peers")
    return peers
