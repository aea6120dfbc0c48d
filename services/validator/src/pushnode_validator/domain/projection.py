"""Pure protocol state per channel: a fold of chain facts (consumes ChainEventObserved)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import singledispatch

from pushnode_shared.protocol.events import (
    ChannelAliasRemoved,
    ChannelAliasVerified,
    ChannelCreated,
    ChannelStateChanged,
    ChannelUpdated,
    DelegateAdded,
    DelegateRemoved,
    Event,
    SubscriptionAdded,
    SubscriptionRemoved,
)


@dataclass(frozen=True)
class ChannelState:
    """What the validator knows of one channel."""

    channel: str
    chain_id: int = 0
    active: bool = False
    channel_type: int = 0
    identity: str = ""
    subscribers: frozenset[str] = frozenset()
    # (chain id, address) pairs: a delegate may send only for the chain it was added on.
    delegates: frozenset[tuple[int, str]] = frozenset()
    # Why the channel is inactive ("deactivated", "blocked", "retracted"); "" while active.
    cause: str = ""
    # (chain id, address) of the channel's verified aliases on Comm-only chains.
    aliases: frozenset[tuple[int, str]] = frozenset()

    def speaks_on(self, chain_id: int, address: str) -> bool:
        """Whether `eip155:<chain_id>:<address>` is this channel: its home or a verified alias."""
        address = address.lower()
        if chain_id == self.chain_id:
            return address == self.channel
        return (chain_id, address) in self.aliases

    def may_send(self, chain_id: int, signer: str) -> bool:
        """The channel itself, its alias on that chain, or one of its delegates on that chain."""
        signer = signer.lower()
        return (
            signer == self.channel
            or (chain_id, signer) in self.delegates
            or (chain_id, signer) in self.aliases
        )


@singledispatch
def apply(event: Event, state: ChannelState) -> ChannelState:
    """Facts this projection does not model leave the state unchanged."""
    return state


@apply.register
def _(event: ChannelCreated, state: ChannelState) -> ChannelState:
    return replace(
        state,
        chain_id=event.chain_id,
        active=True,
        channel_type=event.channel_type,
        identity=event.identity,
    )


@apply.register
def _(event: ChannelUpdated, state: ChannelState) -> ChannelState:
    return replace(state, identity=event.identity)


@apply.register
def _(event: SubscriptionAdded, state: ChannelState) -> ChannelState:
    return replace(state, subscribers=state.subscribers | {event.subscriber})


@apply.register
def _(event: SubscriptionRemoved, state: ChannelState) -> ChannelState:
    return replace(state, subscribers=state.subscribers - {event.subscriber})


@apply.register
def _(event: DelegateAdded, state: ChannelState) -> ChannelState:
    return replace(state, delegates=state.delegates | {(event.chain_id, event.delegate)})


@apply.register
def _(event: DelegateRemoved, state: ChannelState) -> ChannelState:
    return replace(state, delegates=state.delegates - {(event.chain_id, event.delegate)})


@apply.register
def _(event: ChannelStateChanged, state: ChannelState) -> ChannelState:
    return replace(state, active=event.active, cause="" if event.active else event.cause)


@apply.register
def _(event: ChannelAliasVerified, state: ChannelState) -> ChannelState:
    return replace(state, aliases=state.aliases | {(event.alias_chain_id, event.alias)})


@apply.register
def _(event: ChannelAliasRemoved, state: ChannelState) -> ChannelState:
    return replace(state, aliases=state.aliases - {(event.alias_chain_id, event.alias)})


def fold(channel: str, events: list[Event]) -> ChannelState:
    """The channel's state after the given facts, from nothing."""
    state = ChannelState(channel=channel)
    for event in events:
        state = apply(event, state)
    return state
