"""Chat to phones: only accepted conversations push, and the push carries no message text."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from pushnode_dispatcher.adapters import db as tables
from pushnode_dispatcher.bootstrap import MIGRATIONS
from pushnode_dispatcher.domain import Provider
from pushnode_dispatcher.handlers.chat import ChatPushes
from pushnode_dispatcher.handlers.sender import Sender
from pushnode_dispatcher.testing import FakePusher
from pushnode_shared.infra.consumer import HandlerContext
from pushnode_shared.infra.db import Database
from pushnode_shared.protocol.events import ChatMessageStored, wrap

ALICE = "eip155:0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
BOB = "eip155:0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
TOKEN = "fcm-token-bob"


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'd.sqlite'}", "dispatcher", MIGRATIONS)
    await database.upgrade()
    async with database.transaction() as session:
        await tables.upsert_device(session, BOB.split(":")[1].lower(), TOKEN, "android", None)
    yield database
    await database.dispose()


def stored(message_id: str, *, intent: bool = False, accepted: bool = True) -> ChatMessageStored:
    return ChatMessageStored(
        message_id=message_id,
        conversation=f"{BOB}+{ALICE}",
        from_did=ALICE,
        to_did=BOB,
        intent=intent,
        cid="bafkreiexample",
        link=None,
        message={"messageContent": "secret words", "encType": "PlainText"},
        accepted=accepted,
    )


async def run(db: Database, pusher: FakePusher, event: ChatMessageStored) -> None:
    pushes = ChatPushes(Sender({Provider.FCM: pusher}))
    async with db.transaction() as session:
        ctx = HandlerContext(session=session, replay=False)
        await pushes.on_chat_message_stored(ctx, wrap(event, producer="storage"))


async def test_a_message_in_an_accepted_chat_reaches_the_receivers_phone(db: Database) -> None:
    pusher = FakePusher()
    await run(db, pusher, stored("m1"))
    [(content, token)] = pusher.pushes
    assert token == TOKEN and content.notification_id == "m1"
    assert content.channel == ALICE and content.title == "New chat message"
    assert "secret words" not in repr(content)


async def test_requests_and_unaccepted_messages_reach_no_phone(db: Database) -> None:
    pusher = FakePusher()
    await run(db, pusher, stored("m2", intent=True, accepted=False))
    await run(db, pusher, stored("m3", accepted=False))
    assert pusher.pushed == []


async def test_a_replayed_message_is_not_pushed_twice(db: Database) -> None:
    pusher = FakePusher()
    await run(db, pusher, stored("m4"))
    await run(db, pusher, stored("m4"))
    assert len(pusher.pushed) == 1
