"""Judging NodeRegistry logs: which node joins the network as a peer, and at what URL.

Consumes NodeRegistered/NodeRemoved observations; produces PeerRegistered, PeerRemoved or
PeerRefused, and PeerRetracted when the chain drops a log that counted. The contract already
holds that only a node's own key registers it; this rule holds the URL to what a node may be
asked at, since every node will send requests there: http(s), a host, no credentials, query
or fragment, printable, at most 256 bytes. Only the registry the home chain names counts.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pushnode_shared.protocol.chains import ChainConfig, by_id
from pushnode_shared.protocol.events import (
    ChainEventObserved,
    Event,
    PeerRefused,
    PeerRegistered,
    PeerRemoved,
    PeerRetracted,
)
from pushnode_shared.protocol.network.keys import normalise_address

REGISTRY_EVENTS = frozenset({"NodeRegistered", "NodeRemoved"})
MAX_URL_BYTES = 256


def url_problem(url: str) -> str | None:
    """Why a registered URL may not be asked, or None if it may."""
    if not 0 < len(url.encode()) <= MAX_URL_BYTES:
        return f"the url is not 1 to {MAX_URL_BYTES} bytes"
    if not url.isprintable() or any(c.isspace() for c in url):
        return "the url holds spaces or control characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port out of range
    except ValueError:
        return "the url does not parse"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "the url is not http(s)://host[:port][/path]"
    if parts.username is not None or parts.query or parts.fragment:
        return "the url carries credentials, a query or a fragment"
    return None


def judge_registry(
    log: ChainEventObserved, observation: str, chains: tuple[ChainConfig, ...]
) -> Event | None:
    """The decision on one registry log; None if it is not from the registry this node follows."""
    chain = by_id(chains, log.chain_id)
    if chain is None or not chain.node_registry or chain.node_registry.lower() != log.contract:
        return None
    try:
        node = normalise_address(str(log.args.get("node", "")))
    except ValueError:
        return None
    common = {"node": node, "chain_id": log.chain_id, "observation": observation}
    if log.event == "NodeRemoved":
        return PeerRemoved(**common)
    url = str(log.args.get("url", ""))
    problem = url_problem(url)
    if problem is not None:
        return PeerRefused(**common, url=url[:MAX_URL_BYTES], reason=problem)
    return PeerRegistered(**common, url=url.rstrip("/"))


def retracted(decision: Event) -> PeerRetracted | None:
    """What a dropped registry log's decision becomes: undone, if it changed the peer set."""
    if isinstance(decision, PeerRegistered | PeerRemoved):
        return PeerRetracted(
            node=decision.node, chain_id=decision.chain_id, observation=decision.observation
        )
    return None
