"""A device registered before a notification gets it: the sender reads the device registry only
once the registry has folded the `devices` topic up to its end, and is unready while it cannot;
what it cannot push is counted (metrics, alerts), never silent."""

from __future__ import annotations

from collections import Counter

import pytest
import sqlalchemy as sa
from prometheus_client import REGISTRY

from pushnode_dispatcher.adapters import db as tables
from pushnode_dispatcher.adapters.watermark import RegistryWatermark
from pushnode_dispatcher.domain import Provider
from pushnode_dispatcher.handlers.chat import ChatPushes
from pushnode_dispatcher.handlers.completeness import Completeness
from pushnode_dispatcher.handlers.sender import Sender
from pushnode_dispatcher.testing import FakePusher
from pushnode_shared.infra.consumer import TransientError
from pushnode_shared.infra.db import Database
from pushnode_shared.protocol.events import ChatMessageStored, Platform, wrap
from pushnode_shared.protocol.topics import DEVICES
from tests.unit.dispatcher.test_handlers import ANDROID, handle, register, stored

REGISTRY_CONSUMER = "dispatcher-registry"


def ends_at(end: int):  # type: ignore[no-untyped-def]
    """The `devices` topic's one partition, `end` records long."""

    async def ends() -> dict[int, int]:
        return {0: end}

    return ends


async def folded_to(db: Database, offset: int) -> None:
    """The registry consumer has stored `offset` as the last record it folded."""
    table = tables.offsets
    async with db.transaction() as session:
        await session.execute(sa.delete(table).where(table.c.consumer == REGISTRY_CONSUMER))
        await session.execute(
            sa.insert(table).values(
                consumer=REGISTRY_CONSUMER, topic=DEVICES.name, partition=0, offset=offset
            )
        )


def watermark(db: Database, end: int) -> RegistryWatermark:
    return RegistryWatermark(ends_at(end), db, REGISTRY_CONSUMER, tables.offsets, timeout=0.1)


async def test_the_sender_does_not_read_a_registry_behind_the_devices_topic(db: Database) -> None:
    # Five registrations are on the topic; the registry has folded four (offsets 0..3).
    await folded_to(db, 3)
    fcm = FakePusher()
    sender = Sender({Provider.FCM: fcm}, registry=watermark(db, 5))

    with pytest.raises(TransientError, match="device registry"):
        await handle(db, sender.mapping(), stored("n-1"))

    assert fcm.pushed == []


async def test_once_the_registry_caught_up_the_late_device_is_pushed(db: Database) -> None:
    await folded_to(db, 3)
    fcm = FakePusher()
    sender = Sender({Provider.FCM: fcm}, registry=watermark(db, 5))
    with pytest.raises(TransientError):
        await handle(db, sender.mapping(), stored("n-1"))

    await register(db, ANDROID, Platform.ANDROID)  # the fifth registration, folded now
    await folded_to(db, 4)
    await handle(db, sender.mapping(), stored("n-1"))  # the consumer's retry of the batch

    assert fcm.pushed == [("n-1", ANDROID)]


async def test_a_chat_message_also_waits_for_the_registry(db: Database) -> None:
    await folded_to(db, 0)
    fcm = FakePusher()
    chat = ChatPushes(Sender({Provider.FCM: fcm}, registry=watermark(db, 2))).mapping()
    message = ChatMessageStored(
        message_id="m-1",
        conversation="c-1",
        from_did="eip155:0x" + "b" * 40,
        to_did="eip155:0x" + "a" * 40,
        intent=False,
        cid="bafk",
        link=None,
        message={},
        accepted=True,
    )

    with pytest.raises(TransientError):
        await handle(db, chat, wrap(message, producer="storage"))
    assert fcm.pushed == []


def not_attempted(reason: str) -> float:
    value = REGISTRY.get_sample_value(
        "pushnode_dispatcher_targets_not_attempted_total", {"reason": reason}
    )
    return value or 0.0


async def test_a_device_of_an_app_without_credentials_is_counted_not_silent(
    db: Database,
) -> None:
    await register(db, "tok-b", Platform.ANDROID, app="wallet-b")
    fcm = FakePusher()
    sender = Sender({Provider.FCM: fcm})
    before = not_attempted("unknown_app")

    await handle(db, sender.mapping(), stored("n-2"))

    assert fcm.pushed == []
    assert not_attempted("unknown_app") == before + 1
    assert (await sender.completeness.check())[0]  # a client's choice, not the node failing


async def test_a_lost_push_is_counted_and_leaves_the_sender_ready_to_serve() -> None:
    completeness = Completeness()
    before = not_attempted("dropped")

    completeness.not_attempted("n-3", Counter(dropped=2))

    # A past loss is the alert's to tell; the sender can still push the next notification.
    assert not_attempted("dropped") == before + 2
    assert (await completeness.check())[0]


async def test_a_registry_stuck_behind_makes_the_sender_unready(db: Database) -> None:
    await folded_to(db, 0)
    registry = watermark(db, 9)
    clock = [0.0]
    completeness = Completeness(registry, clock=lambda: clock[0])
    with pytest.raises(TransientError):
        await registry.wait()
    assert registry.behind_since is not None

    clock[0] = registry.behind_since + 60
    assert not (await completeness.check())[0]

    await folded_to(db, 8)
    await registry.wait()
    assert (await completeness.check())[0]
