"""A reorg that removes an accepted SendNotification log withdraws the notification."""

from __future__ import annotations

from eth_account import Account

from pushnode_shared.infra.db import Database
from pushnode_shared.protocol.events import ChainEventRetracted, unwrap
from pushnode_validator.domain.withdrawals import notification_of, withdrawal
from tests.unit.validator.test_handlers import (
    chain_log,
    db,
    handle,
    new_channel,
    onchain_notification,
    retraction_of,
)

__all__ = ["db"]  # the fixture, shared with test_handlers


async def test_retracting_an_accepted_on_chain_notification_withdraws_it(
    db: Database, anvil_keys: tuple[str, ...]
) -> None:
    channel = Account.from_key(anvil_keys[1]).address.lower()
    alice = Account.from_key(anvil_keys[2]).address.lower()
    await handle(db, new_channel(channel))
    log = onchain_notification(channel, alice, "0+3+Hello+Soon gone")
    [accepted] = await handle(db, log)
    [withdrawn] = await handle(db, retraction_of(log))
    assert withdrawn.type == "NotificationWithdrawn"
    assert withdrawn.payload["notification_id"] == accepted.payload["notification_id"]
    assert (withdrawn.payload["channel"], withdrawn.payload["reason"]) == (channel, "reorg")
    assert withdrawn.payload["block_number"] == log.payload["block_number"]
    assert withdrawn.key == channel  # after its acceptance, in the same partition


async def test_retracting_a_rejected_on_chain_notification_withdraws_nothing(
    db: Database, anvil_keys: tuple[str, ...]
) -> None:
    channel = Account.from_key(anvil_keys[1]).address.lower()
    log = onchain_notification(channel, channel, "0+1+News+Nobody")
    [rejected] = await handle(db, log)
    assert rejected.type == "NotificationRejected"
    assert await handle(db, retraction_of(log)) == []


async def test_a_retraction_seen_twice_withdraws_once(
    db: Database, anvil_keys: tuple[str, ...]
) -> None:
    channel = Account.from_key(anvil_keys[1]).address.lower()
    await handle(db, new_channel(channel))
    log = onchain_notification(channel, channel, "0+1+News+Twice")
    await handle(db, log)
    assert len(await handle(db, retraction_of(log))) == 1
    assert await handle(db, retraction_of(log)) == []


async def test_a_withdrawn_notification_whose_log_is_mined_again_is_accepted_again(
    db: Database, anvil_keys: tuple[str, ...]
) -> None:
    channel = Account.from_key(anvil_keys[1]).address.lower()
    await handle(db, new_channel(channel))
    log = onchain_notification(channel, channel, "0+1+News+Again")
    await handle(db, log)
    await handle(db, retraction_of(log))
    [again] = await handle(db, log)
    assert again.type == "NotificationAccepted"


async def test_retracting_another_log_withdraws_no_notification(
    db: Database, anvil_keys: tuple[str, ...]
) -> None:
    channel = Account.from_key(anvil_keys[1]).address.lower()
    alice = Account.from_key(anvil_keys[2]).address.lower()
    await handle(db, new_channel(channel))
    subscribed = chain_log("Subscribe", channel, {"channel": channel, "user": alice}, 6)
    await handle(db, subscribed)
    [undo] = await handle(db, retraction_of(subscribed))
    assert undo.type == "SubscriptionRemoved"


def test_the_withdrawn_id_is_the_id_the_log_was_accepted_under() -> None:
    log = onchain_notification("0x" + "aa" * 20, "0x" + "bb" * 20, "0+1+A+B")
    retracted = unwrap(retraction_of(log))
    assert isinstance(retracted, ChainEventRetracted)
    nid = notification_of(retracted)
    assert nid is not None
    assert withdrawal(retracted, nid).tx_hash == log.payload["tx_hash"]
    assert notification_of(retracted.model_copy(update={"event": "Subscribe"})) is None
