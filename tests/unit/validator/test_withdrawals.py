"""A reorg that removes an accepted SendNotification log withdraws the notification."""

from __future__ import annotations

from pushnode_shared.infra.db import Database
from pushnode_shared.protocol.events import ChainEventRetracted, unwrap
from pushnode_validator.domain.withdrawals import notification_of, withdrawal
from tests.unit.validator.conftest import (
    ALICE,
    CHANNEL,
    created,
    handle,
    log_of,
    onchain_notification,
    retraction_of,
)


async def test_retracting_an_accepted_on_chain_notification_withdraws_it(vdb: Database) -> None:
    await handle(vdb, created(CHANNEL, 5))
    log = onchain_notification(CHANNEL, ALICE, "0+3+Hello+Soon gone")
    [accepted] = await handle(vdb, log)
    [withdrawn] = await handle(vdb, retraction_of(log))
    assert withdrawn.type == "NotificationWithdrawn"
    assert withdrawn.payload["notification_id"] == accepted.payload["notification_id"]
    assert (withdrawn.payload["channel"], withdrawn.payload["reason"]) == (CHANNEL, "reorg")
    assert withdrawn.payload["block_number"] == log.payload["block_number"]
    assert withdrawn.key == CHANNEL  # after its acceptance, in the same partition


async def test_retracting_a_rejected_on_chain_notification_withdraws_nothing(vdb: Database) -> None:
    log = onchain_notification(CHANNEL, CHANNEL, "0+1+News+Nobody")
    [rejected] = await handle(vdb, log)
    assert rejected.type == "NotificationRejected"
    assert await handle(vdb, retraction_of(log)) == []


async def test_a_retraction_seen_twice_withdraws_once(vdb: Database) -> None:
    await handle(vdb, created(CHANNEL, 5))
    log = onchain_notification(CHANNEL, CHANNEL, "0+1+News+Twice")
    await handle(vdb, log)
    assert len(await handle(vdb, retraction_of(log))) == 1
    assert await handle(vdb, retraction_of(log)) == []


async def test_a_withdrawn_notification_whose_log_is_mined_again_is_accepted_again(
    vdb: Database,
) -> None:
    await handle(vdb, created(CHANNEL, 5))
    log = onchain_notification(CHANNEL, CHANNEL, "0+1+News+Again")
    await handle(vdb, log)
    await handle(vdb, retraction_of(log))
    [again] = await handle(vdb, log)
    assert again.type == "NotificationAccepted"


async def test_retracting_another_log_withdraws_no_notification(vdb: Database) -> None:
    await handle(vdb, created(CHANNEL, 5))
    subscribed = log_of("Subscribe", CHANNEL, {"channel": CHANNEL, "user": ALICE}, 6)
    await handle(vdb, subscribed)
    [undo] = await handle(vdb, retraction_of(subscribed))
    assert undo.type == "SubscriptionRemoved"


def test_the_withdrawn_id_is_the_id_the_log_was_accepted_under() -> None:
    log = onchain_notification("0x" + "aa" * 20, "0x" + "bb" * 20, "0+1+A+B")
    retracted = unwrap(retraction_of(log))
    assert isinstance(retracted, ChainEventRetracted)
    nid = notification_of(retracted)
    assert nid is not None
    assert withdrawal(retracted, nid).tx_hash == log.payload["tx_hash"]
    assert notification_of(retracted.model_copy(update={"event": "Subscribe"})) is None
