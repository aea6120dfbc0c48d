"""Channel aliases: an Ethereum channel's address on another (Comm-only) chain."""

from __future__ import annotations

from enum import StrEnum

from pushnode_shared.protocol.events.base import ChannelKeyed, register


class AliasRejectReason(StrEnum):
    """Why a ChannelAlias log did not link an alias."""

    WRONG_CHAIN = "WRONG_CHAIN"
    BAD_ADDRESS = "BAD_ADDRESS"
    UNKNOWN_CHANNEL = "UNKNOWN_CHANNEL"
    DUPLICATE_ALIAS = "DUPLICATE_ALIAS"


@register
class ChannelAliasVerified(ChannelKeyed):
    """`eip155:<alias_chain_id>:<alias>` now speaks for the Ethereum channel (Comm ChannelAlias)."""

    TYPE = "ChannelAliasVerified"

    channel: str
    alias_chain_id: int
    alias: str


@register
class ChannelAliasRejected(ChannelKeyed):
    """A ChannelAlias log the validator refused (duplicate, wrong chain, unknown channel)."""

    TYPE = "ChannelAliasRejected"

    channel: str
    alias_chain_id: int
    alias: str
    reason: AliasRejectReason
    detail: str


@register
class ChannelAliasRemoved(ChannelKeyed):
    """An alias no longer speaks for the channel (its ChannelAlias log was retracted)."""

    TYPE = "ChannelAliasRemoved"

    channel: str
    alias_chain_id: int
    alias: str
