"""Inputs and records for the network tests: cheap upload inputs, real notification inputs."""

from __future__ import annotations

import hashlib
from typing import Any

from pushnode_shared.protocol.network.inputs import encode_input
from pushnode_shared.protocol.network.keys import NodeKey
from pushnode_shared.protocol.network.origin import OriginWriter
from pushnode_shared.protocol.network.records import NodeRecord

UPLOAD = "ContentUploaded"


def upload(text: str) -> tuple[str, str]:
    """(kind, canonical input) of an upload whose cid is the hash of its data."""
    cid = "b" + hashlib.sha256(text.encode()).hexdigest()
    data, _ = encode_input(UPLOAD, {"cid": cid, "data": text})
    return UPLOAD, data


def forged_upload(text: str) -> tuple[str, str]:
    """An upload whose cid does not match its data: the judge below refuses it."""
    data, _ = encode_input(UPLOAD, {"cid": "bforged" + text, "data": text})
    return UPLOAD, data


def judge(kind: str, data: str) -> str | None:
    """The test network's input rules: an upload's cid must be the hash of its data."""
    import json

    fields: dict[str, Any] = json.loads(data)
    expected = "b" + hashlib.sha256(str(fields.get("data")).encode()).hexdigest()
    return None if fields.get("cid") == expected else "BAD_CID"


def chain(key: NodeKey, texts: list[str], start: int = 0) -> list[NodeRecord]:
    """Records 1..n of `key`'s origin, one upload each."""
    writer = OriginWriter(key)
    return [writer.record(*upload(t), received_at=start + i) for i, t in enumerate(texts)]
