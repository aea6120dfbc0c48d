"""What a channel's `1+<cid>` identity held on this node's IPFS, as the validator read it."""

from __future__ import annotations

from pushnode_shared.protocol.events.base import ChannelKeyed, register


@register
class ChannelMetadataResolved(ChannelKeyed):
    """The validator read a created/updated channel's identity CID from kubo (offline).

    On the log so that channel reads (name, info, url, icon) are a fold, and a rebuild never
    asks kubo again. `found` is false when this node's kubo did not hold the CID or it was not
    a JSON object; the fields are the metadata's strings (None when absent or not strings).
    """

    TYPE = "ChannelMetadataResolved"

    channel: str
    cid: str
    found: bool
    name: str | None = None
    info: str | None = None
    url: str | None = None
    icon: str | None = None
