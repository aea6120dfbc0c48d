"""A broadcast carries its channel's subscription position instead of a subscriber list."""

from __future__ import annotations

from pushnode_shared.infra.db import Database
from pushnode_shared.protocol.events import (
    ChannelStateChanged,
    SubscriptionAdded,
    SubscriptionRemoved,
)
from pushnode_validator.bootstrap import make_handlers
from pushnode_validator.domain.positions import stamp
from tests.conftest import ANVIL_KEYS
from tests.unit.validator.conftest import (
    AMOY,
    SEPOLIA,
    address,
    alias_log,
    created,
    log_of,
    notification,
    retraction_of,
    run,
)
from tests.unit.validator.test_protocol_rules import optin

CHANNEL_KEY, ALICE_KEY, ALIAS_KEY, BOB_KEY = ANVIL_KEYS
CHANNEL, ALICE, ALIAS, BOB = (address(k) for k in ANVIL_KEYS)


def test_subscription_facts_take_the_next_positions_and_others_none() -> None:
    facts = [
        SubscriptionAdded(channel=CHANNEL, subscriber=ALICE, chain_id=1),
        ChannelStateChanged(channel=CHANNEL, chain_id=1, active=False, cause="blocked"),
        SubscriptionRemoved(channel=CHANNEL, subscriber=ALICE, chain_id=1),
    ]
    stamped, after = stamp(facts, 4)
    assert [getattr(f, "position", None) for f in stamped] == [5, None, 6]
    assert after == 6


async def test_a_broadcast_is_stamped_with_the_count_of_subscription_facts_before_it(
    vdb: Database,
) -> None:
    handlers = make_handlers((SEPOLIA, AMOY))
    await run(handlers, vdb, created(CHANNEL))
    [alice_in] = await run(handlers, vdb, log_of("Subscribe", CHANNEL, {"user": ALICE}, 2))
    [bob_in] = await run(handlers, vdb, log_of("Subscribe", CHANNEL, {"user": BOB}, 3))
    [first] = await run(handlers, vdb, notification(CHANNEL_KEY, ALICE, uid="a", ntype="1"))
    [alice_out] = await run(handlers, vdb, log_of("Unsubscribe", CHANNEL, {"user": ALICE}, 4))
    [second] = await run(handlers, vdb, notification(CHANNEL_KEY, ALICE, uid="b", ntype="1"))
    positions = [e.payload["position"] for e in (alice_in, bob_in, alice_out)]
    assert positions == [1, 2, 3]
    assert first.payload["broadcast"] == {"channel": CHANNEL, "position": 2}
    assert second.payload["broadcast"] == {"channel": CHANNEL, "position": 3}
    assert first.payload["recipients"] == second.payload["recipients"] == []


async def test_opt_ins_and_retractions_move_the_position_too(vdb: Database) -> None:
    handlers = make_handlers((SEPOLIA, AMOY))
    await run(handlers, vdb, created(CHANNEL))
    subscribe = log_of("Subscribe", CHANNEL, {"user": BOB}, 2)
    [bob_in] = await run(handlers, vdb, subscribe)
    [alice_in] = await run(handlers, vdb, optin("1+1-1"))
    [bob_undone] = await run(handlers, vdb, retraction_of(subscribe))
    assert bob_in.payload["position"] == 1
    assert (alice_in.type, alice_in.payload["position"]) == ("SubscriptionAdded", 2)
    assert (bob_undone.type, bob_undone.payload["position"]) == ("SubscriptionRemoved", 3)
    [sent] = await run(handlers, vdb, notification(CHANNEL_KEY, ALICE, ntype="1"))
    assert sent.payload["broadcast"]["position"] == 3


async def test_a_broadcast_by_an_alias_reaches_the_home_channels_subscribers(
    vdb: Database,
) -> None:
    handlers = make_handlers((SEPOLIA, AMOY))
    await run(handlers, vdb, created(CHANNEL))
    await run(handlers, vdb, alias_log(CHANNEL, ALIAS))
    await run(handlers, vdb, log_of("Subscribe", CHANNEL, {"user": BOB}, 3))
    [sent] = await run(handlers, vdb, notification(ALIAS_KEY, BOB, chain=AMOY, ntype="1"))
    assert sent.type == "NotificationAccepted"
    assert sent.payload["broadcast"] == {"channel": CHANNEL, "position": 1}


async def test_targeted_and_subset_notifications_carry_no_broadcast_marker(
    vdb: Database,
) -> None:
    handlers = make_handlers((SEPOLIA, AMOY))
    await run(handlers, vdb, created(CHANNEL))
    [sent] = await run(handlers, vdb, notification(CHANNEL_KEY, ALICE))
    assert sent.payload["broadcast"] is None
    assert sent.payload["recipients"] == [{"address": ALICE, "spam": True}]
