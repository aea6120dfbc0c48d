"""Pure: a channel's identity `1+<cid>` (read from kubo by adapters/ipfs.py) as
ChannelMetadataResolved (name, info, url, icon), so the gateway's channel reads fold it from
the log instead of asking kubo.

Read offline like notification payloads, up to META_MAX_BYTES (a base64 icon makes metadata
bigger than a notification). Live only: a rebuild publishes nothing, so it never reads kubo.
"""

from __future__ import annotations

import json

from pushnode_shared.protocol.events import (
    ChannelCreated,
    ChannelMetadataResolved,
    ChannelUpdated,
    Event,
)
from pushnode_validator.domain.identities import ipfs_cid

META_MAX_BYTES = 256 * 1024
FIELDS = ("name", "info", "url", "icon")


def identity_cid(fact: Event) -> str | None:
    """The CID of a created/updated channel's `1+<cid>` identity, if it has one."""
    if isinstance(fact, ChannelCreated | ChannelUpdated):
        return ipfs_cid(fact.identity)
    return None


def resolved(channel: str, cid: str, data: bytes | None) -> ChannelMetadataResolved:
    """The event for what kubo held (None: nothing, or more than META_MAX_BYTES)."""
    try:
        fields = json.loads(data) if data is not None else None
    except ValueError:
        fields = None
    if not isinstance(fields, dict):
        return ChannelMetadataResolved(channel=channel, cid=cid, found=False)
    strings = {k: v for k in FIELDS if isinstance(v := fields.get(k), str)}
    return ChannelMetadataResolved(channel=channel, cid=cid, found=True, **strings)
