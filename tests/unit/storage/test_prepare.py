"""Storage puts a whole batch into IPFS concurrently before its handlers record the CIDs."""

from __future__ import annotations

from datetime import UTC, datetime

from pushnode_shared.protocol.events import NotificationAccepted, Recipient, wrap
from pushnode_storage.handlers import Handlers
from tests.support.blocks import CountingBlocks


def accepted(n: int) -> NotificationAccepted:
    return NotificationAccepted(
        notification_id=f"n{n}",
        channel="0xc",
        chain_id=1,
        sender="s",
        signer="0xc",
        recipients=[Recipient(address="0xa", spam=False)],
        identity="2+{}",
        payload={"n": n},
        verification_proof="p",
        source="ETH_MAINNET",
        submitted_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


async def test_prepare_puts_each_message_of_the_batch_once() -> None:
    store = CountingBlocks()
    handlers = Handlers(store)
    await handlers.prepare([wrap(accepted(n), producer="validator") for n in range(10)])
    assert store.puts == 10
    assert len(store.blocks) == 10
    assert set(handlers.put_done.values()) == set(store.blocks)


async def test_prepare_skips_what_is_not_an_accepted_notification() -> None:
    store = CountingBlocks()
    broken = wrap(accepted(1), producer="validator").model_copy(update={"payload": {"bad": 1}})
    await Handlers(store).prepare([broken])
    assert store.puts == 0
