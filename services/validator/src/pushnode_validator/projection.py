"""Pure protocol state per channel: a fold of chain facts (consumes ChainEventObserved)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import singledispatch

from pushnode_shared.events import (
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

    def may_send(self, chain_id: int, signer: str) -> bool:
        """The channel itself, or one of its delegates on that chain."""
        signer = signer.lower()
        return signer == self.channel or (chain_id, signer) in self.delegates


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
    return replace(state, active=event.active)


def fold(channel: str, events: list[Event]) -> ChannelState:
    """The channel's state after the given facts, from nothing."""
    state = ChannelState(channel=channel)
    for event in events:
        state = apply(event, state)
    return state
