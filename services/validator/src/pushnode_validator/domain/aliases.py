"""Pure rule for Comm ChannelAlias logs: link `eip155:<chain>:<alias>` to an Ethereum channel.

An alias lives on a Comm-only chain (one without Core), names the chain it was emitted on,
points at a channel that exists, and is the channel's only alias on that chain; an address
aliases at most one channel per chain. Anything else is refused with a reason.
"""

from __future__ import annotations

from pushnode_shared.protocol.caip import BadAddress, parse_account
from pushnode_shared.protocol.events import (
    AliasRejectReason,
    ChainEventObserved,
    ChannelAliasRejected,
    ChannelAliasVerified,
    Event,
)
from pushnode_validator.domain.projection import ChannelState


class _Refused(Exception):
    def __init__(self, reason: AliasRejectReason, detail: str) -> None:
        super().__init__(detail)
        self.reason, self.detail = reason, detail


def judge_alias(
    log: ChainEventObserved,
    channel: ChannelState | None,
    core_chains: set[int],
    alias_owner: str | None,
) -> Event:
    """ChannelAliasVerified, or ChannelAliasRejected with the reason.

    `alias_owner` is the channel the alias address already speaks for on this chain, if any.
    """
    alias = str(log.args.get("_channelOwnerAddress", "")).lower()
    try:
        _check(log, channel, core_chains, alias, alias_owner)
    except _Refused as exc:
        return ChannelAliasRejected(
            channel=log.channel,
            alias_chain_id=log.chain_id,
            alias=alias,
            reason=exc.reason,
            detail=exc.detail,
        )
    return ChannelAliasVerified(channel=log.channel, alias_chain_id=log.chain_id, alias=alias)


def _check(
    log: ChainEventObserved,
    channel: ChannelState | None,
    core_chains: set[int],
    alias: str,
    alias_owner: str | None,
) -> None:
    if log.chain_id in core_chains:
        raise _Refused(AliasRejectReason.WRONG_CHAIN, f"chain {log.chain_id} has Core: no aliases")
    named = str(log.args.get("_chainID", ""))
    if named != str(log.chain_id):
        raise _Refused(
            AliasRejectReason.WRONG_CHAIN, f"log names chain {named}, emitted on {log.chain_id}"
        )
    try:
        parse_account(str(log.args.get("_ethereumChannelAddress", "")))
        parse_account(alias)
    except BadAddress as exc:
        raise _Refused(AliasRejectReason.BAD_ADDRESS, str(exc)) from exc
    if channel is None or not channel.chain_id:
        raise _Refused(AliasRejectReason.UNKNOWN_CHANNEL, f"{log.channel} is not a channel")
    if alias_owner is not None and alias_owner != log.channel:
        raise _Refused(
            AliasRejectReason.DUPLICATE_ALIAS, f"{alias} already aliases {alias_owner} here"
        )
    existing = sorted(a for c, a in channel.aliases if c == log.chain_id)
    if existing:
        raise _Refused(
            AliasRejectReason.DUPLICATE_ALIAS,
            f"{log.channel} already has alias {existing[0]} on chain {log.chain_id}",
        )
