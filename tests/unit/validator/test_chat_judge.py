"""The validator's chat consumer: real pgpy signatures, keys in force when sent, and a rebuild
that reaches the same decisions (same ids) and the same state as the live run."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pgpy
import pytest
import sqlalchemy as sa

from pushnode_shared.infra.consumer import HandlerContext
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.envelope import Envelope, derive_id
from pushnode_shared.protocol.chat import conversation_of, did_of
from pushnode_shared.protocol.events import (
    ChatMessageSent,
    ChatRequestAccepted,
    UserKeysRotated,
    UserRegistered,
    wrap,
)
from pushnode_validator.adapters import chat_state, pgp
from pushnode_validator.bootstrap import MIGRATIONS
from pushnode_validator.handlers.chat import ChatHandlers
from pushnode_validator.handlers.users import UserKeyHandlers
from tests.support.chat import ChatWallet, new_pgp_key
from tests.unit.validator.conftest import T0

ALICE, BOB = ChatWallet(pgp=new_pgp_key()), ChatWallet(pgp=new_pgp_key())
LATER = new_pgp_key()


def registered(wallet: ChatWallet, at: datetime) -> Envelope:
    did = did_of(wallet.did)
    event = UserRegistered(
        did=did,
        caip10=did,
        public_key=wallet.public_key,
        encrypted_private_key="{}",
        verification_proof="eip191v2:0x",
        origin=None,
        registered_at=at,
    )
    return wrap(event, producer="gateway", occurred_at=at)


def rotated(wallet: ChatWallet, key: pgpy.PGPKey, at: datetime) -> Envelope:
    event = UserKeysRotated(
        did=did_of(wallet.did),
        public_key=str(key.pubkey),
        encrypted_private_key="{}",
        verification_proof="eip191v2:0x",
        rotated_at=at,
    )
    return wrap(event, producer="gateway", occurred_at=at)


def sent(body: dict[str, Any], at: datetime, intent: bool = False) -> Envelope:
    sender, receiver = did_of(body["fromDID"]), did_of(body["toDID"])
    conversation = conversation_of(sender, receiver)
    proof = body["verificationProof"]
    event = ChatMessageSent(
        message_id=derive_id("chat", conversation, proof),
        conversation=conversation,
        from_did=sender,
        to_did=receiver,
        intent=intent,
        message=body,
        sent_at=at,
    )
    return wrap(event, producer="gateway", occurred_at=at)


def accepted(body: dict[str, Any], at: datetime) -> Envelope:
    requester, answerer = did_of(body["fromDID"]), did_of(body["toDID"])
    event = ChatRequestAccepted(
        conversation=conversation_of(requester, answerer),
        from_did=requester,
        to_did=answerer,
        verification_proof=body["verificationProof"],
        accepted_at=at,
        signed={k: body[k] for k in ("fromDID", "toDID", "status")},
    )
    return wrap(event, producer="gateway", occurred_at=at)


@pytest.fixture
async def dbs(tmp_path: Path) -> AsyncIterator[tuple[Database, Database]]:
    """Two validator databases: the live one and one to rebuild into."""
    pair = tuple(
        Database(f"sqlite+aiosqlite:///{tmp_path / name}", "validator", MIGRATIONS)
        for name in ("live.sqlite", "rebuilt.sqlite")
    )
    for database in pair:
        await database.upgrade()
    yield pair[0], pair[1]
    for database in pair:
        await database.dispose()


async def fold(db: Database, log: list[Envelope]) -> list[Envelope]:
    """The users and chat consumers over the log, one record per transaction."""
    handlers = {**UserKeyHandlers().mapping(), **ChatHandlers(pgp.verify).mapping()}
    out: list[Envelope] = []
    for envelope in log:
        async with db.transaction() as session:
            ctx = HandlerContext(session=session, replay=False)
            await handlers[envelope.type](ctx, envelope)
            await ctx.flush()
        out += [e for _, e in ctx.outbox]
    return out


def at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


def verdicts(out: list[Envelope]) -> list[tuple[str, Any]]:
    return [(e.type, e.payload.get("reason") or e.payload.get("status")) for e in out]


async def test_a_conversation_is_judged_with_real_signatures_and_keys_in_force(
    dbs: tuple[Database, Database],
) -> None:
    request = ALICE.message(BOB.did, "hi", "pgp")
    log = [
        registered(ALICE, at(0)),
        registered(BOB, at(0)),
        sent(request, at(1), intent=True),
        sent(BOB.message(ALICE.did, "too early", "pgp"), at(2)),
        accepted(BOB.answer(ALICE.did), at(3)),
        sent(BOB.message(ALICE.did, "hello", "pgp"), at(4)),
        rotated(BOB, LATER, at(5)),
        # Signed with Bob's old key after the rotation: no longer his key in force.
        sent(BOB.message(ALICE.did, "old key", "pgp"), at(6)),
        sent(request, at(7), intent=True),  # the same signed request again: judged once
    ]
    out = await fold(dbs[0], log)
    assert verdicts(out) == [
        ("ChatMessageAccepted", None),
        ("ChatInputRefused", "REQUEST_NOT_ACCEPTED"),
        ("ChatRequestAnswered", "approved"),
        ("ChatMessageAccepted", None),
        ("ChatInputRefused", "INVALID_SIGNATURE"),
    ]
    assert [e.payload["accepted"] for e in out if e.type == "ChatMessageAccepted"] == [False, True]


async def test_a_rebuild_reaches_the_same_decisions_and_state_as_the_live_run(
    dbs: tuple[Database, Database],
) -> None:
    log = [
        registered(ALICE, at(0)),
        registered(BOB, at(0)),
        sent(ALICE.message(BOB.did, "hi", "pgp"), at(1), intent=True),
        accepted(BOB.answer(ALICE.did), at(2)),
        sent(BOB.message(ALICE.did, "yo", "pgp"), at(3)),
        accepted(BOB.answer(ALICE.did), at(4)),  # answered already
    ]
    live, rebuilt = dbs
    live_out, rebuilt_out = await fold(live, log), await fold(rebuilt, log)
    assert [(e.event_id, e.payload) for e in live_out] == [
        (e.event_id, e.payload) for e in rebuilt_out
    ]
    for table in chat_state.STATE_TABLES:
        query = sa.text(f"SELECT * FROM {table} ORDER BY 1")
        async with live.engine.connect() as a, rebuilt.engine.connect() as b:
            assert (await a.execute(query)).all() == (await b.execute(query)).all()
