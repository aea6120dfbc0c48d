"""Validator handlers on an embedded database: chain facts in, decisions out."""

from __future__ import annotations

from datetime import UTC, datetime

from eth_account import Account

from pushnode_shared.infra.db import Database
from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.protocol.events import unwrap, wrap
from tests.unit.validator.conftest import (
    ALICE,
    ALICE_KEY,
    CHANNEL,
    CHANNEL_KEY,
    DELEGATE,
    DELEGATE_KEY,
    SEPOLIA,
    created,
    handle,
    log_of,
    notification,
    onchain_notification,
    retraction_of,
)


async def test_add_channel_becomes_channel_created_with_a_derived_id(vdb: Database) -> None:
    log = log_of(
        "AddChannel", CHANNEL, {"channel": CHANNEL, "channelType": 2, "identity": "0x312b78"}, 5
    )
    first = await handle(vdb, log)
    assert [e.type for e in first] == ["ChannelCreated"]
    assert unwrap(first[0]).identity == "1+x"  # type: ignore[attr-defined]
    assert first[0].causation_id == log.event_id


async def test_a_notification_from_a_known_channel_is_accepted_for_its_subscriber(
    vdb: Database,
) -> None:
    await handle(
        vdb,
        log_of("AddChannel", CHANNEL, {"channel": CHANNEL, "channelType": 2, "identity": "0x"}, 5),
    )
    await handle(vdb, log_of("Subscribe", CHANNEL, {"channel": CHANNEL, "user": ALICE}, 6))
    [decision] = await handle(vdb, notification(CHANNEL_KEY, ALICE))
    assert decision.type == "NotificationAccepted"
    assert decision.payload["recipients"] == [{"address": ALICE, "spam": False}]


async def test_the_same_notification_twice_is_rejected_the_second_time(vdb: Database) -> None:
    await handle(
        vdb,
        log_of("AddChannel", CHANNEL, {"channel": CHANNEL, "channelType": 2, "identity": "0x"}, 5),
    )
    [first] = await handle(vdb, notification(CHANNEL_KEY, ALICE))
    [second] = await handle(vdb, notification(CHANNEL_KEY, ALICE))
    assert first.type == "NotificationAccepted"
    assert (second.type, second.payload["reason"]) == (
        "NotificationRejected",
        "DUPLICATE_NOTIFICATION",
    )


async def test_a_notification_before_its_channel_exists_is_rejected(vdb: Database) -> None:
    [decision] = await handle(vdb, notification(CHANNEL_KEY, ALICE))
    assert decision.payload["reason"] == "UNKNOWN_CHANNEL"


async def test_a_delegate_added_on_chain_may_send_for_the_channel(vdb: Database) -> None:
    await handle(vdb, created(CHANNEL, 5))
    await handle(vdb, log_of("AddDelegate", CHANNEL, {"channel": CHANNEL, "delegate": DELEGATE}, 6))
    sent_by_delegate = notification(DELEGATE_KEY, ALICE)
    on_behalf = sent_by_delegate.model_copy(
        update={
            "key": CHANNEL,
            "payload": {
                **sent_by_delegate.payload,
                "channel": CHANNEL,
                "sender": f"eip155:{SEPOLIA.chain_id}:{CHANNEL}",
            },
        }
    )
    [decision] = await handle(vdb, on_behalf)
    assert decision.type == "NotificationAccepted"
    assert decision.payload["signer"].lower() == DELEGATE


async def test_a_removed_delegate_may_no_longer_send(vdb: Database) -> None:
    await handle(vdb, created(CHANNEL, 5))
    await handle(vdb, log_of("AddDelegate", CHANNEL, {"channel": CHANNEL, "delegate": DELEGATE}, 6))
    await handle(
        vdb, log_of("RemoveDelegate", CHANNEL, {"channel": CHANNEL, "delegate": DELEGATE}, 7)
    )
    sent = notification(DELEGATE_KEY, ALICE)
    on_behalf = sent.model_copy(
        update={
            "payload": {
                **sent.payload,
                "channel": CHANNEL,
                "sender": f"eip155:{SEPOLIA.chain_id}:{CHANNEL}",
            }
        }
    )
    [decision] = await handle(vdb, on_behalf)
    assert decision.payload["reason"] == "SIGNER_NOT_AUTHORISED"


async def test_a_deactivated_channel_cannot_send(vdb: Database) -> None:
    await handle(vdb, created(CHANNEL, 5))
    [fact] = await handle(
        vdb, log_of("DeactivateChannel", CHANNEL, {"channel": CHANNEL, "amountRefunded": 1}, 6)
    )
    assert (fact.type, fact.payload["active"]) == ("ChannelStateChanged", False)
    [decision] = await handle(vdb, notification(CHANNEL_KEY, ALICE))
    assert decision.payload["reason"] == "CHANNEL_INACTIVE"


def optin(key: str, channel: str, signer_key: str | None = None) -> Envelope:
    from pushnode_shared.protocol.events import SubscriptionSubmitted
    from tests.support.optin import optin_body

    caip = f"eip155:{SEPOLIA.chain_id}:{CHANNEL}"
    body = optin_body(signer_key or key, caip, SEPOLIA.chain_id, SEPOLIA.comm)
    real = optin_body(key, caip, SEPOLIA.chain_id, SEPOLIA.comm)
    event = SubscriptionSubmitted(
        channel=CHANNEL,
        chain_id=SEPOLIA.chain_id,
        subscriber=Account.from_key(key).address.lower(),
        action="Subscribe",
        message=real["message"],
        proof_kind="eip712v2",
        signature=body["verificationProof"].removeprefix("eip712v2:"),
        submitted_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    return wrap(event, producer="gateway")


async def test_an_off_chain_opt_in_puts_the_next_notification_in_the_inbox(vdb: Database) -> None:
    await handle(vdb, created(CHANNEL, 5))
    [fact] = await handle(vdb, optin(ALICE_KEY, CHANNEL))
    assert fact.type == "SubscriptionAdded"
    [decision] = await handle(vdb, notification(CHANNEL_KEY, ALICE))
    assert decision.payload["recipients"] == [{"address": ALICE.lower(), "spam": False}]


async def test_an_opt_in_signed_by_someone_else_is_rejected(vdb: Database) -> None:
    await handle(vdb, created(CHANNEL, 5))
    [fact] = await handle(vdb, optin(ALICE_KEY, CHANNEL, signer_key=DELEGATE_KEY))
    assert (fact.type, fact.payload["reason"]) == ("SubscriptionRejected", "SIGNER_NOT_AUTHORISED")


async def test_a_retracted_subscribe_is_undone_and_the_wallet_is_back_in_spam(
    vdb: Database,
) -> None:
    await handle(vdb, created(CHANNEL, 5))
    subscribed = log_of("Subscribe", CHANNEL, {"channel": CHANNEL, "user": ALICE}, 6)
    await handle(vdb, subscribed)
    [undo] = await handle(vdb, retraction_of(subscribed))
    assert (undo.type, undo.payload["subscriber"]) == ("SubscriptionRemoved", ALICE)
    [decision] = await handle(vdb, notification(CHANNEL_KEY, ALICE))
    assert decision.payload["recipients"] == [{"address": ALICE, "spam": True}]


async def test_a_retracted_channel_can_no_longer_send(vdb: Database) -> None:
    added = created(CHANNEL, 5)
    await handle(vdb, added)
    [undo] = await handle(vdb, retraction_of(added))
    assert (undo.type, undo.payload["active"]) == ("ChannelStateChanged", False)
    [decision] = await handle(vdb, notification(CHANNEL_KEY, ALICE))
    assert decision.payload["reason"] == "CHANNEL_INACTIVE"


async def test_a_re_emitted_chain_event_is_applied_once(vdb: Database) -> None:
    added = created(CHANNEL, 5)
    assert len(await handle(vdb, added)) == 1
    assert await handle(vdb, added) == []


async def test_a_log_re_mined_after_its_retraction_counts_again(vdb: Database) -> None:
    await handle(vdb, created(CHANNEL, 5))
    subscribed = log_of("Subscribe", CHANNEL, {"channel": CHANNEL, "user": ALICE}, 6)
    await handle(vdb, subscribed)
    await handle(vdb, retraction_of(subscribed))
    [again] = await handle(vdb, subscribed)
    assert again.type == "SubscriptionAdded"


async def test_retracting_something_never_applied_changes_nothing(vdb: Database) -> None:
    assert await handle(vdb, retraction_of(created(CHANNEL, 5))) == []


async def test_an_on_chain_notification_is_accepted_with_an_eip155_proof(vdb: Database) -> None:
    await handle(vdb, created(CHANNEL, 5))
    log = onchain_notification(CHANNEL, ALICE, "0+3+Hello+From the chain")
    [decision] = await handle(vdb, log)
    assert decision.type == "NotificationAccepted"
    assert (
        decision.payload["verification_proof"]
        == f"eip155:{SEPOLIA.chain_id}:{log.payload['tx_hash']}"
    )
    assert decision.payload["recipients"] == [{"address": ALICE, "spam": True}]
    assert decision.payload["payload"]["notification"]["title"] == "Hello"


async def test_an_on_chain_notification_to_the_channel_itself_is_a_broadcast(vdb: Database) -> None:
    await handle(vdb, created(CHANNEL, 5))
    await handle(vdb, log_of("Subscribe", CHANNEL, {"channel": CHANNEL, "user": ALICE}, 6))
    [decision] = await handle(vdb, onchain_notification(CHANNEL, CHANNEL, "0+1+News+For all"))
    assert decision.payload["recipients"] == []
    assert decision.payload["broadcast"] == {"channel": CHANNEL, "position": 1}


async def test_a_re_emitted_on_chain_notification_is_judged_once(vdb: Database) -> None:
    await handle(vdb, created(CHANNEL, 5))
    log = onchain_notification(CHANNEL, CHANNEL, "0+1+News+Once")
    assert len(await handle(vdb, log)) == 1
    assert await handle(vdb, log) == []


async def test_an_on_chain_notification_from_an_unknown_channel_is_rejected(vdb: Database) -> None:
    [decision] = await handle(vdb, onchain_notification(CHANNEL, CHANNEL, "0+1+News+Nobody"))
    assert decision.payload["reason"] == "UNKNOWN_CHANNEL"


async def test_update_channel_records_the_new_identity(vdb: Database) -> None:
    await handle(vdb, created(CHANNEL, 5))
    args = {"channel": CHANNEL, "identity": "0x" + b"1+bafynew".hex(), "amountDeposited": 50}
    [fact] = await handle(vdb, log_of("UpdateChannel", CHANNEL, args, 7))
    assert (fact.type, fact.payload["identity"]) == ("ChannelUpdated", "1+bafynew")
