"""Example payloads of the network events, for the envelope round-trip test."""

from __future__ import annotations

from typing import Any

from pushnode_shared.protocol.network.evidence import equivocation
from pushnode_shared.protocol.network.keys import NodeKey

from .builders import chain

_KEY = NodeKey(bytes(range(1, 33)))
_ONE, _TWO = chain(_KEY, ["a"])[0], chain(_KEY, ["b"])[0]
_DECIDED = {"node": _KEY.address, "chain_id": 11155111, "observation": "0" * 32}

NETWORK_EXAMPLES: dict[str, dict[str, Any]] = {
    "NodeRecordAppended": {"record": _ONE.model_dump()},
    "PeerMisbehaved": {"evidence": equivocation(_ONE, _TWO).model_dump(mode="json")},
    "PeerRegistered": _DECIDED | {"url": "https://node.example:4100"},
    "PeerRemoved": _DECIDED,
    "PeerRefused": _DECIDED | {"url": "ftp://node.example", "reason": "not http(s)"},
    "PeerRetracted": _DECIDED,
}
