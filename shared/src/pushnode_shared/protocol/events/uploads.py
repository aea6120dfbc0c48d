"""Content posted to the gateway's IPFS upload endpoint (channel metadata, mostly)."""

from __future__ import annotations

from datetime import datetime

from pushnode_shared.protocol.events.base import Event, register


@register
class ContentUploaded(Event):
    """A client uploaded content; `cid` is CIDv1(raw, sha2-256) of `data` in UTF-8.

    Storage puts it into kubo (it owns kubo writes); the gateway reads channel metadata from it,
    so a channel's name and icon are a fold of the log rather than a kubo lookup.
    """

    TYPE = "ContentUploaded"

    cid: str
    data: str
    uploaded_at: datetime

    def key(self) -> str:
        return self.cid
