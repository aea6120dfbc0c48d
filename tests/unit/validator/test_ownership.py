"""ChannelOwnershipTransfer on Core: the channel moves to the new owner's address."""

from __future__ import annotations

from pushnode_shared.infra.db import Database
from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.protocol.events import ChainEventRetracted, wrap
from pushnode_validator.bootstrap import make_handlers
from tests.conftest import ANVIL_KEYS
from tests.unit.validator.conftest import SEPOLIA, address, created, log_of, notification, run

OLD_KEY, NEW_KEY, ALICE_KEY = ANVIL_KEYS[1], ANVIL_KEYS[3], ANVIL_KEYS[2]
OLD, NEW, ALICE = address(OLD_KEY), address(NEW_KEY), address(ALICE_KEY)


def transfer(block: int = 2) -> Envelope:
    return log_of("ChannelOwnershipTransfer", OLD, {"channel": OLD, "newOwner": NEW}, block)


async def verdict(db: Database, key: str, uid: str) -> str:
    [decision] = await run(make_handlers((SEPOLIA,)), db, notification(key, ALICE, uid=uid))
    return str(decision.payload.get("reason", decision.type))


async def test_after_a_transfer_the_new_owner_sends_and_the_old_address_cannot(
    vdb: Database,
) -> None:
    await run(make_handlers((SEPOLIA,)), vdb, created(OLD))
    facts = await run(make_handlers((SEPOLIA,)), vdb, transfer())
    assert [f.type for f in facts] == ["ChannelStateChanged", "ChannelCreated"]
    assert await verdict(vdb, OLD_KEY, "old") == "CHANNEL_INACTIVE"
    assert await verdict(vdb, NEW_KEY, "new") == "NotificationAccepted"


async def test_a_retracted_transfer_gives_the_channel_back(vdb: Database) -> None:
    await run(make_handlers((SEPOLIA,)), vdb, created(OLD))
    moved = transfer()
    await run(make_handlers((SEPOLIA,)), vdb, moved)
    observed = moved.payload
    retraction = ChainEventRetracted(
        **{k: observed[k] for k in ("chain_id", "contract", "event", "block_number")},
        **{k: observed[k] for k in ("block_hash", "tx_hash", "log_index", "channel")},
        retracted_event_id=moved.event_id,
    )
    await run(make_handlers((SEPOLIA,)), vdb, wrap(retraction, producer="listener"))
    assert await verdict(vdb, OLD_KEY, "old") == "NotificationAccepted"
    assert await verdict(vdb, NEW_KEY, "new") == "CHANNEL_INACTIVE"


async def test_a_transfer_of_an_unknown_channel_changes_nothing(vdb: Database) -> None:
    assert await run(make_handlers((SEPOLIA,)), vdb, transfer()) == []
    assert await verdict(vdb, NEW_KEY, "new") == "UNKNOWN_CHANNEL"
