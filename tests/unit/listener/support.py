"""Helpers for the poller's unit tests: a poller over a FakeChain, and the cursor projection."""

from __future__ import annotations

from pathlib import Path

from pushnode_listener.adapters import db
from pushnode_listener.bootstrap import MIGRATIONS
from pushnode_listener.handlers import HANDLERS
from pushnode_listener.poller import ChainPoller, Resume, Tuning
from pushnode_shared.infra.consumer import HandlerContext, TransientError
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.envelope import Envelope, from_record, to_record
from pushnode_shared.protocol.chains import ChainConfig
from pushnode_shared.protocol.topics import CHAIN_CURSORS, PROTOCOL_INPUTS
from pushnode_shared.testing import InMemoryProducer
from tests.unit.listener.fakechain import COMM, FakeChain

CHANNEL = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"


def user(n: int) -> str:
    return "0x" + f"{n:040x}"


def poller(
    chain: FakeChain,
    producer: InMemoryProducer,
    *,
    resume: Resume | None = None,
    confirmations: int = 0,
    finality: int = 8,
    max_range: int = 50,
    target_logs: int = 1000,
) -> ChainPoller:
    config = ChainConfig(
        chain_id=chain.ident, rpc_url="fake://", comm=COMM, confirmations=confirmations
    )

    async def load() -> Resume:
        return resume or Resume(None)

    tuning = Tuning(max_range=max_range, finality=finality, target_logs=target_logs)
    return ChainPoller(config, chain, producer, load, tuning)


async def sync(p: ChainPoller, max_steps: int = 1000) -> int:
    """Step until there is nothing to do (transient faults are retried); returns steps taken."""
    for n in range(max_steps):
        try:
            if not await p.step():
                return n
        except TransientError:
            continue
    raise AssertionError("poller did not settle")


def inputs(producer: InMemoryProducer) -> list[tuple[str, str]]:
    """(type, user) of every protocol-inputs record, in publish order."""
    return [
        (e.type, str(e.payload.get("args", {}).get("user", e.payload.get("tx_hash"))))
        for e in producer.on(PROTOCOL_INPUTS)
    ]


def observed_users(producer: InMemoryProducer) -> list[str]:
    return [
        e.payload["args"]["user"]
        for e in producer.on(PROTOCOL_INPUTS)
        if e.type == "ChainEventObserved"
    ]


async def projected(tmp_path: Path, envelopes: list[Envelope], chain_id: int) -> Resume:
    """Fold chain-cursors records through the real projection (SQLite) and load the resume."""
    tmp_path.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - a test's tmp dir
    database = Database(f"sqlite+aiosqlite:///{tmp_path}/listener.sqlite", "listener", MIGRATIONS)
    try:
        await database.upgrade()
        async with database.transaction() as session:
            ctx = HandlerContext(session=session, replay=False)
            for envelope in envelopes:
                _, value, headers = to_record(envelope)
                await HANDLERS[envelope.type](ctx, from_record(value, headers))
        return Resume(
            await db.load_cursor(database, chain_id), await db.load_window(database, chain_id)
        )
    finally:
        await database.dispose()


def cursors(producer: InMemoryProducer) -> list[Envelope]:
    return producer.on(CHAIN_CURSORS)
