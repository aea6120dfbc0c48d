"""Validator test helpers: an embedded database and handlers run the way the consumer runs them."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account

from pushnode_shared.infra.consumer import HandlerContext
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.protocol.chains import LOCAL_CHAINS, ChainConfig
from pushnode_shared.protocol.events import (
    ChainEventObserved,
    ChainEventRetracted,
    NotificationSubmitted,
    SubscriptionSubmitted,
    wrap,
)
from pushnode_shared.protocol.signatures import sign_data
from pushnode_validator.bootstrap import MIGRATIONS, make_handlers
from pushnode_validator.handlers import Handlers
from tests.conftest import ANVIL_KEYS
from tests.support.databases import migrated_sqlite

SEPOLIA, AMOY = LOCAL_CHAINS
T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
async def vdb(tmp_path: Path) -> AsyncIterator[Database]:
    async with migrated_sqlite(tmp_path / "v.sqlite", "validator", MIGRATIONS) as database:
        yield database


async def run(handlers: Handlers, db: Database, envelope: Envelope) -> list[Envelope]:
    """One envelope through prepare and its handler in one transaction; what it published."""
    await handlers.prepare([envelope])
    async with db.transaction() as session:
        ctx = HandlerContext(session=session, replay=False)
        await handlers.mapping()[envelope.type](ctx, envelope)
        await ctx.flush()  # as the consumer does before committing
    return [e for _, e in ctx.outbox]


async def handle(db: Database, envelope: Envelope) -> list[Envelope]:
    """`run` with the handlers of the local chains."""
    return await run(make_handlers(LOCAL_CHAINS), db, envelope)


def address(key: str) -> str:
    return str(Account.from_key(key).address).lower()


# The handler tests' cast: anvil's second, third and fourth accounts.
CHANNEL_KEY, ALICE_KEY, DELEGATE_KEY = ANVIL_KEYS[1:4]
CHANNEL, ALICE, DELEGATE = (address(k) for k in (CHANNEL_KEY, ALICE_KEY, DELEGATE_KEY))


def log_of(
    event: str, channel: str, args: dict[str, Any], block: int, chain: ChainConfig = SEPOLIA
) -> Envelope:
    log = ChainEventObserved(
        chain_id=chain.chain_id,
        contract=chain.comm.lower(),
        event=event,
        args=args,
        block_number=block,
        block_hash="0x" + "11" * 32,
        tx_hash="0x" + f"{block:064x}",
        log_index=0,
        channel=channel,
    )
    return wrap(log, producer="listener", occurred_at=T0 + timedelta(seconds=block))


def signed_optin(
    channel: str, wallet_key: str, action: str = "Subscribe", setting: str = ""
) -> Envelope:
    """An opt-in (or out) as the gateway publishes it: the SDK's message for the channel on
    Sepolia, signed eip712v2 by the wallet; a fresh event id each time, as the gateway makes."""
    wallet = address(wallet_key)
    fields = {
        "channel": f"eip155:{SEPOLIA.chain_id}:{channel}",
        "subscriber" if action == "Subscribe" else "unsubscriber": (
            f"eip155:{SEPOLIA.chain_id}:{wallet}"
        ),
        "action": action,
        "userSetting": setting,
    }
    message = json.dumps(fields, indent=4)
    event = SubscriptionSubmitted(
        channel=channel,
        chain_id=SEPOLIA.chain_id,
        subscriber=wallet,
        action=action,
        user_setting=setting or None,
        message=message,
        proof_kind="eip712v2",
        signature=sign_data(message, SEPOLIA.chain_id, SEPOLIA.comm, wallet_key),
        submitted_at=T0,
    )
    return wrap(event, producer="gateway")


def created(channel: str, block: int = 1) -> Envelope:
    args = {"channel": channel, "channelType": 2, "identity": "0x"}
    return log_of("AddChannel", channel, args, block)


def alias_log(
    channel: str, alias: str, block: int = 2, chain: ChainConfig = AMOY, named: int | None = None
) -> Envelope:
    args = {
        "_chainName": "POLYGON_TEST_AMOY",
        "_chainID": named if named is not None else chain.chain_id,
        "_channelOwnerAddress": alias,
        "_ethereumChannelAddress": channel,
    }
    return log_of("ChannelAlias", channel, args, block, chain)


def notification(
    key: str,
    recipient: str,
    *,
    uid: str = "1",
    at: datetime = T0,
    chain: ChainConfig = SEPOLIA,
    identity: str | None = None,
    ntype: str = "3",
    claim: str | None = None,
) -> Envelope:
    """A signed NotificationSubmitted as the gateway would append it (`claim`: sender to name)."""
    sender = claim or str(Account.from_key(key).address)
    # The uid is not signed: each uid's body differs, or the judge would see one content twice.
    body = {"notification": {"title": "T", "body": f"B {uid}"}, "data": {"type": ntype}}
    identity = identity or "2+" + json.dumps(body)
    proof = f"eip712v2:{sign_data(identity, chain.chain_id, chain.comm, key)}::uid::{uid}"
    event = NotificationSubmitted(
        notification_id=f"n-{uid}",
        channel=sender.lower(),
        sender=f"eip155:{chain.chain_id}:{sender}",
        recipient=f"eip155:{chain.chain_id}:{recipient}",
        identity=identity,
        verification_proof=proof,
        source=chain.source,
        submitted_at=at,
    )
    return wrap(event, producer="gateway", occurred_at=at)


def onchain_notification(channel: str, recipient: str, identity: str, block: int = 9) -> Envelope:
    args = {"channel": channel, "recipient": recipient, "identity": "0x" + identity.encode().hex()}
    return log_of("SendNotification", channel, args, block)


def retraction_of(original: Envelope) -> Envelope:
    """The listener's retraction of a chain log it published before a reorg."""
    log = original.payload
    fields = {k: log[k] for k in ("chain_id", "contract", "event", "block_number", "block_hash")}
    event = ChainEventRetracted(
        **fields,
        tx_hash=log["tx_hash"],
        log_index=log["log_index"],
        channel=log["channel"],
        retracted_event_id=original.event_id,
    )
    return wrap(event, producer="listener")
