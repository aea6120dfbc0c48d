"""Validator handlers on an embedded database: chain facts in, decisions out."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from eth_account import Account

from pushnode_shared.infra.consumer import HandlerContext
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.protocol.chains import LOCAL_CHAINS
from pushnode_shared.protocol.events import ChainEventObserved, NotificationSubmitted, unwrap, wrap
from pushnode_shared.protocol.signatures import sign_data
from pushnode_validator.bootstrap import MIGRATIONS, make_handlers

CHAIN = LOCAL_CHAINS[0]


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'v.sqlite'}", "validator", MIGRATIONS)
    await database.upgrade()
    yield database
    await database.dispose()


async def handle(db: Database, envelope: Envelope) -> list[Envelope]:
    """Run the handler for one envelope the way the consumer does, return what it published."""
    handlers = make_handlers(LOCAL_CHAINS)
    async with db.transaction() as session:
        ctx = HandlerContext(session=session, replay=False)
        await handlers.mapping()[envelope.type](ctx, envelope)
        await ctx.flush()  # as the consumer does before committing
    return [e for _, e in ctx.outbox]


def chain_log(event: str, channel: str, args: dict[str, object], block: int) -> Envelope:
    log = ChainEventObserved(
        chain_id=CHAIN.chain_id,
        contract=CHAIN.comm.lower(),
        event=event,
        args=args,
        block_number=block,
        block_hash="0x" + "11" * 32,
        tx_hash="0x" + f"{block:064x}",
        log_index=0,
        channel=channel,
    )
    return wrap(log, producer="listener")


def submitted(key: str, recipient: str) -> Envelope:
    channel = Account.from_key(key).address
    identity = "2+" + json.dumps(
        {"notification": {"title": "T", "body": "B"}, "data": {"type": "3"}}
    )
    proof = "eip712v2:" + sign_data(identity, CHAIN.chain_id, CHAIN.comm, key) + "::uid::1"
    event = NotificationSubmitted(
        notification_id="n-1",
        channel=channel.lower(),
        sender=f"eip155:{CHAIN.chain_id}:{channel}",
        recipient=f"eip155:{CHAIN.chain_id}:{recipient}",
        identity=identity,
        verification_proof=proof,
        source=CHAIN.source,
        submitted_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    return wrap(event, producer="gateway")


async def test_add_channel_becomes_channel_created_with_a_derived_id(
    db: Database, anvil_keys: tuple[str, ...]
) -> None:
    channel = Account.from_key(anvil_keys[1]).address.lower()
    log = chain_log(
        "AddChannel", channel, {"channel": channel, "channelType": 2, "identity": "0x312b78"}, 5
    )
    first = await handle(db, log)
    assert [e.type for e in first] == ["ChannelCreated"]
    assert unwrap(first[0]).identity == "1+x"  # type: ignore[attr-defined]
    assert first[0].causation_id == log.event_id


async def test_a_notification_from_a_known_channel_is_accepted_for_its_subscriber(
    db: Database, anvil_keys: tuple[str, ...]
) -> None:
    channel = Account.from_key(anvil_keys[1]).address.lower()
    alice = Account.from_key(anvil_keys[2]).address.lower()
    await handle(
        db,
        chain_log(
            "AddChannel", channel, {"channel": channel, "channelType": 2, "identity": "0x"}, 5
        ),
    )
    await handle(db, chain_log("Subscribe", channel, {"channel": channel, "user": alice}, 6))
    [decision] = await handle(db, submitted(anvil_keys[1], alice))
    assert decision.type == "NotificationAccepted"
    assert decision.payload["recipients"] == [{"address": alice, "spam": False}]


async def test_the_same_notification_twice_is_rejected_the_second_time(
    db: Database, anvil_keys: tuple[str, ...]
) -> None:
    channel = Account.from_key(anvil_keys[1]).address.lower()
    await handle(
        db,
        chain_log(
            "AddChannel", channel, {"channel": channel, "channelType": 2, "identity": "0x"}, 5
        ),
    )
    alice = Account.from_key(anvil_keys[2]).address
    [first] = await handle(db, submitted(anvil_keys[1], alice))
    [second] = await handle(db, submitted(anvil_keys[1], alice))
    assert first.type == "NotificationAccepted"
    assert (second.type, second.payload["reason"]) == (
        "NotificationRejected",
        "DUPLICATE_NOTIFICATION",
    )


async def test_a_notification_before_its_channel_exists_is_rejected(
    db: Database, anvil_keys: tuple[str, ...]
) -> None:
    [decision] = await handle(db, submitted(anvil_keys[1], Account.from_key(anvil_keys[2]).address))
    assert decision.payload["reason"] == "UNKNOWN_CHANNEL"


def new_channel(channel: str) -> Envelope:
    return chain_log(
        "AddChannel", channel, {"channel": channel, "channelType": 2, "identity": "0x"}, 5
    )


async def test_a_delegate_added_on_chain_may_send_for_the_channel(
    db: Database, anvil_keys: tuple[str, ...]
) -> None:
    channel = Account.from_key(anvil_keys[1]).address.lower()
    delegate_key = anvil_keys[3]
    delegate = Account.from_key(delegate_key).address.lower()
    await handle(db, new_channel(channel))
    await handle(
        db, chain_log("AddDelegate", channel, {"channel": channel, "delegate": delegate}, 6)
    )
    sent_by_delegate = submitted(delegate_key, Account.from_key(anvil_keys[2]).address)
    on_behalf = sent_by_delegate.model_copy(
        update={
            "key": channel,
            "payload": {
                **sent_by_delegate.payload,
                "channel": channel,
                "sender": f"eip155:{CHAIN.chain_id}:{channel}",
            },
        }
    )
    [decision] = await handle(db, on_behalf)
    assert decision.type == "NotificationAccepted"
    assert decision.payload["signer"].lower() == delegate


async def test_a_removed_delegate_may_no_longer_send(
    db: Database, anvil_keys: tuple[str, ...]
) -> None:
    channel = Account.from_key(anvil_keys[1]).address.lower()
    delegate = Account.from_key(anvil_keys[3]).address.lower()
    await handle(db, new_channel(channel))
    await handle(
        db, chain_log("AddDelegate", channel, {"channel": channel, "delegate": delegate}, 6)
    )
    await handle(
        db, chain_log("RemoveDelegate", channel, {"channel": channel, "delegate": delegate}, 7)
    )
    sent = submitted(anvil_keys[3], Account.from_key(anvil_keys[2]).address)
    on_behalf = sent.model_copy(
        update={
            "payload": {
                **sent.payload,
                "channel": channel,
                "sender": f"eip155:{CHAIN.chain_id}:{channel}",
            }
        }
    )
    [decision] = await handle(db, on_behalf)
    assert decision.payload["reason"] == "SIGNER_NOT_AUTHORISED"


async def test_a_deactivated_channel_cannot_send(db: Database, anvil_keys: tuple[str, ...]) -> None:
    channel = Account.from_key(anvil_keys[1]).address.lower()
    await handle(db, new_channel(channel))
    [fact] = await handle(
        db, chain_log("DeactivateChannel", channel, {"channel": channel, "amountRefunded": 1}, 6)
    )
    assert (fact.type, fact.payload["active"]) == ("ChannelStateChanged", False)
    [decision] = await handle(db, submitted(anvil_keys[1], Account.from_key(anvil_keys[2]).address))
    assert decision.payload["reason"] == "CHANNEL_INACTIVE"


def optin(key: str, channel: str, signer_key: str | None = None) -> Envelope:
    from pushnode_shared.protocol.events import SubscriptionSubmitted
    from tests.support.optin import optin_body

    caip = f"eip155:{CHAIN.chain_id}:{channel}"
    body = optin_body(signer_key or key, caip, CHAIN.chain_id, CHAIN.comm)
    real = optin_body(key, caip, CHAIN.chain_id, CHAIN.comm)
    event = SubscriptionSubmitted(
        channel=channel,
        chain_id=CHAIN.chain_id,
        subscriber=Account.from_key(key).address.lower(),
        action="Subscribe",
        message=real["message"],
        proof_kind="eip712v2",
        signature=body["verificationProof"].removeprefix("eip712v2:"),
        submitted_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    return wrap(event, producer="gateway")


async def test_an_off_chain_opt_in_puts_the_next_notification_in_the_inbox(
    db: Database, anvil_keys: tuple[str, ...]
) -> None:
    channel = Account.from_key(anvil_keys[1]).address.lower()
    alice = Account.from_key(anvil_keys[2]).address
    await handle(db, new_channel(channel))
    [fact] = await handle(db, optin(anvil_keys[2], channel))
    assert fact.type == "SubscriptionAdded"
    [decision] = await handle(db, submitted(anvil_keys[1], alice))
    assert decision.payload["recipients"] == [{"address": alice.lower(), "spam": False}]


async def test_an_opt_in_signed_by_someone_else_is_rejected(
    db: Database, anvil_keys: tuple[str, ...]
) -> None:
    channel = Account.from_key(anvil_keys[1]).address.lower()
    await handle(db, new_channel(channel))
    [fact] = await handle(db, optin(anvil_keys[2], channel, signer_key=anvil_keys[3]))
    assert (fact.type, fact.payload["reason"]) == ("SubscriptionRejected", "SIGNER_NOT_AUTHORISED")


def retraction_of(original: Envelope) -> Envelope:
    from pushnode_shared.protocol.events import ChainEventRetracted

    log = original.payload
    event = ChainEventRetracted(
        chain_id=log["chain_id"],
        contract=log["contract"],
        event=log["event"],
        block_number=log["block_number"],
        block_hash=log["block_hash"],
        tx_hash=log["tx_hash"],
        log_index=log["log_index"],
        channel=log["channel"],
        retracted_event_id=original.event_id,
    )
    return wrap(event, producer="listener")


async def test_a_retracted_subscribe_is_undone_and_the_wallet_is_back_in_spam(
    db: Database, anvil_keys: tuple[str, ...]
) -> None:
    channel = Account.from_key(anvil_keys[1]).address.lower()
    alice = Account.from_key(anvil_keys[2]).address.lower()
    await handle(db, new_channel(channel))
    subscribed = chain_log("Subscribe", channel, {"channel": channel, "user": alice}, 6)
    await handle(db, subscribed)
    [undo] = await handle(db, retraction_of(subscribed))
    assert (undo.type, undo.payload["subscriber"]) == ("SubscriptionRemoved", alice)
    [decision] = await handle(db, submitted(anvil_keys[1], alice))
    assert decision.payload["recipients"] == [{"address": alice, "spam": True}]


async def test_a_retracted_channel_can_no_longer_send(
    db: Database, anvil_keys: tuple[str, ...]
) -> None:
    channel = Account.from_key(anvil_keys[1]).address.lower()
    created = new_channel(channel)
    await handle(db, created)
    [undo] = await handle(db, retraction_of(created))
    assert (undo.type, undo.payload["active"]) == ("ChannelStateChanged", False)
    [decision] = await handle(db, submitted(anvil_keys[1], Account.from_key(anvil_keys[2]).address))
    assert decision.payload["reason"] == "CHANNEL_INACTIVE"


async def test_a_re_emitted_chain_event_is_applied_once(
    db: Database, anvil_keys: tuple[str, ...]
) -> None:
    channel = Account.from_key(anvil_keys[1]).address.lower()
    created = new_channel(channel)
    assert len(await handle(db, created)) == 1
    assert await handle(db, created) == []


async def test_a_log_re_mined_after_its_retraction_counts_again(
    db: Database, anvil_keys: tuple[str, ...]
) -> None:
    channel = Account.from_key(anvil_keys[1]).address.lower()
    alice = Account.from_key(anvil_keys[2]).address.lower()
    await handle(db, new_channel(channel))
    subscribed = chain_log("Subscribe", channel, {"channel": channel, "user": alice}, 6)
    await handle(db, subscribed)
    await handle(db, retraction_of(subscribed))
    [again] = await handle(db, subscribed)
    assert again.type == "SubscriptionAdded"


async def test_retracting_something_never_applied_changes_nothing(
    db: Database, anvil_keys: tuple[str, ...]
) -> None:
    channel = Account.from_key(anvil_keys[1]).address.lower()
    assert await handle(db, retraction_of(new_channel(channel))) == []


def onchain_notification(channel: str, recipient: str, identity: str, block: int = 9) -> Envelope:
    args = {"channel": channel, "recipient": recipient, "identity": "0x" + identity.encode().hex()}
    return chain_log("SendNotification", channel, args, block)


async def test_an_on_chain_notification_is_accepted_with_an_eip155_proof(
    db: Database, anvil_keys: tuple[str, ...]
) -> None:
    channel = Account.from_key(anvil_keys[1]).address.lower()
    alice = Account.from_key(anvil_keys[2]).address.lower()
    await handle(db, new_channel(channel))
    log = onchain_notification(channel, alice, "0+3+Hello+From the chain")
    [decision] = await handle(db, log)
    assert decision.type == "NotificationAccepted"
    assert (
        decision.payload["verification_proof"]
        == f"eip155:{CHAIN.chain_id}:{log.payload['tx_hash']}"
    )
    assert decision.payload["recipients"] == [{"address": alice, "spam": True}]
    assert decision.payload["payload"]["notification"]["title"] == "Hello"


async def test_an_on_chain_notification_to_the_channel_itself_is_a_broadcast(
    db: Database, anvil_keys: tuple[str, ...]
) -> None:
    channel = Account.from_key(anvil_keys[1]).address.lower()
    alice = Account.from_key(anvil_keys[2]).address.lower()
    await handle(db, new_channel(channel))
    await handle(db, chain_log("Subscribe", channel, {"channel": channel, "user": alice}, 6))
    [decision] = await handle(db, onchain_notification(channel, channel, "0+1+News+For all"))
    assert decision.payload["recipients"] == []
    assert decision.payload["broadcast"] == {"channel": channel, "position": 1}


async def test_a_re_emitted_on_chain_notification_is_judged_once(
    db: Database, anvil_keys: tuple[str, ...]
) -> None:
    channel = Account.from_key(anvil_keys[1]).address.lower()
    await handle(db, new_channel(channel))
    log = onchain_notification(channel, channel, "0+1+News+Once")
    assert len(await handle(db, log)) == 1
    assert await handle(db, log) == []


async def test_an_on_chain_notification_from_an_unknown_channel_is_rejected(
    db: Database, anvil_keys: tuple[str, ...]
) -> None:
    channel = Account.from_key(anvil_keys[1]).address.lower()
    [decision] = await handle(db, onchain_notification(channel, channel, "0+1+News+Nobody"))
    assert decision.payload["reason"] == "UNKNOWN_CHANNEL"


async def test_update_channel_records_the_new_identity(
    db: Database, anvil_keys: tuple[str, ...]
) -> None:
    channel = Account.from_key(anvil_keys[1]).address.lower()
    await handle(db, new_channel(channel))
    args = {"channel": channel, "identity": "0x" + b"1+bafynew".hex(), "amountDeposited": 50}
    [fact] = await handle(db, chain_log("UpdateChannel", channel, args, 7))
    assert (fact.type, fact.payload["identity"]) == ("ChannelUpdated", "1+bafynew")
