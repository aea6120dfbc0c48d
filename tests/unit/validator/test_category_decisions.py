"""The validator's decision on a notification with a category, from the settings it folded:
the channel's (Core's ChannelNotifcationSettingsAdded) and each subscriber's opt-in choice."""

from __future__ import annotations

import json

from pushnode_shared.infra.db import Database
from pushnode_shared.infra.envelope import Envelope
from pushnode_validator.bootstrap import make_handlers
from tests.unit.validator.conftest import AMOY, SEPOLIA, created, log_of, notification, run
from tests.unit.validator.test_protocol_rules import ALICE, CHANNEL, CHANNEL_KEY, optin

BOB = "0x" + "b0" * 20
SALES = {"_channel": CHANNEL, "totalNotifOptions": 1, "_notifSettings": "1+1-1",
         "_notifDescription": "Sales"}  # fmt: skip


async def handle(vdb: Database, envelope: Envelope) -> list[Envelope]:
    return await run(make_handlers((SEPOLIA, AMOY)), vdb, envelope)


async def channel_where_alice_switched_sales_off(vdb: Database) -> None:
    await handle(vdb, created(CHANNEL, 5))
    await handle(vdb, log_of("ChannelNotifcationSettingsAdded", CHANNEL, SALES, 6))
    await handle(vdb, optin("0+1-0"))  # Alice: Sales off
    await handle(vdb, log_of("Subscribe", CHANNEL, {"channel": CHANNEL, "user": BOB}, 7))


def sales(recipient: str, kind: str, uid: str, index: str = "1-1") -> str:
    body = {"notification": {"title": "T", "body": f"B {uid}"},
            "data": {"type": kind, "index": index}}  # fmt: skip
    return "2+" + json.dumps(body)


async def test_a_broadcast_to_a_category_lists_the_subscribers_it_holds_back(
    vdb: Database,
) -> None:
    await channel_where_alice_switched_sales_off(vdb)
    sent = notification(CHANNEL_KEY, CHANNEL, uid="b", identity=sales(CHANNEL, "1", "b"))
    [decision] = await handle(vdb, sent)
    assert decision.type == "NotificationAccepted"
    assert decision.payload["broadcast"]["held_back"] == [ALICE]


async def test_a_targeted_send_to_a_category_reaches_only_a_subscriber_who_keeps_it_on(
    vdb: Database,
) -> None:
    await channel_where_alice_switched_sales_off(vdb)
    to_alice = notification(CHANNEL_KEY, ALICE, uid="a", identity=sales(ALICE, "3", "a"))
    to_bob = notification(CHANNEL_KEY, BOB, uid="c", identity=sales(BOB, "3", "c"))
    [for_alice] = await handle(vdb, to_alice)
    [for_bob] = await handle(vdb, to_bob)
    assert for_alice.payload["recipients"] == []
    assert for_bob.payload["recipients"] == [{"address": BOB, "spam": False}]


async def test_a_category_the_channel_never_defined_is_refused(vdb: Database) -> None:
    await channel_where_alice_switched_sales_off(vdb)
    sent = notification(CHANNEL_KEY, BOB, uid="d", identity=sales(BOB, "3", "d", index="2-1"))
    [decision] = await handle(vdb, sent)
    assert (decision.type, decision.payload["reason"]) == ("NotificationRejected", "BAD_PAYLOAD")


async def test_a_notification_without_a_category_reaches_every_subscriber(vdb: Database) -> None:
    await channel_where_alice_switched_sales_off(vdb)
    sent = notification(CHANNEL_KEY, CHANNEL, uid="e", ntype="1")
    [decision] = await handle(vdb, sent)
    assert "held_back" not in decision.payload["broadcast"]
