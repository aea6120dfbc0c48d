"""A channel's state is the fold of its facts."""

from __future__ import annotations

from pushnode_shared.protocol.events import ChannelCreated, SubscriptionAdded, SubscriptionRemoved
from pushnode_validator.domain.projection import fold


def test_a_created_channel_is_active_with_its_identity() -> None:
    state = fold(
        "0xc",
        [ChannelCreated(channel="0xc", chain_id=1, channel_type=2, identity="1+x", block_number=5)],
    )
    assert state.active and state.identity == "1+x" and state.chain_id == 1


def test_subscribers_come_and_go() -> None:
    state = fold(
        "0xc",
        [
            SubscriptionAdded(channel="0xc", subscriber="0xa", chain_id=1),
            SubscriptionAdded(channel="0xc", subscriber="0xb", chain_id=80002),
            SubscriptionRemoved(channel="0xc", subscriber="0xa", chain_id=1),
        ],
    )
    assert state.subscribers == frozenset({"0xb"})
    assert not state.active
