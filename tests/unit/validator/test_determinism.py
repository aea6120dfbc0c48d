"""A recorded protocol-inputs log replayed into a fresh validator gives byte-identical decisions.

The log mixes everything that decides: channel lifecycle, delegates, subscriptions, an alias,
a retraction, an opt-in with settings, accepted, rejected, duplicate and rate-limited
notifications, an IPFS identity. It is written to a file as Kafka records, read back, and
run through the consumer's own batch path (prepare, handlers, offsets) twice.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiokafka import ConsumerRecord, TopicPartition
from sqlalchemy import event as sa_event

from pushnode_shared.infra.consumer import ConsumerSpec, process_batch
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.envelope import Envelope, to_record
from pushnode_shared.infra.ipfs import MemoryBlockStore
from pushnode_shared.protocol.topics import PROTOCOL_DECISIONS, PROTOCOL_INPUTS
from pushnode_shared.testing import InMemoryProducer
from pushnode_validator.adapters import db
from pushnode_validator.adapters.ipfs import PayloadFetcher
from pushnode_validator.bootstrap import MIGRATIONS, make_handlers
from pushnode_validator.domain.ratelimit import RateLimit
from tests.conftest import ANVIL_KEYS
from tests.unit.validator.conftest import (
    AMOY,
    SEPOLIA,
    T0,
    address,
    alias_log,
    created,
    log_of,
    notification,
    retraction_of,
)
from tests.unit.validator.test_protocol_rules import optin

CHANNEL_KEY, ALICE_KEY, DELEGATE_KEY, BOB_KEY = ANVIL_KEYS
CHANNEL, ALICE, DELEGATE, BOB = (address(k) for k in ANVIL_KEYS)
IPFS_BODY = json.dumps({"notification": {"title": "I", "body": "P"}, "data": {"type": "1"}})


def recorded_log(cid: str) -> list[Envelope]:
    subscribe_bob = log_of("Subscribe", CHANNEL, {"user": BOB}, 3)
    seconds = iter(range(100, 1000, 10))  # 10 s apart: the bucket is full again each time
    burst_at = T0 + timedelta(seconds=5000)

    def sent(key: str, to: str, uid: str, **kw: Any) -> Envelope:
        at = kw.pop("at", None) or T0 + timedelta(seconds=next(seconds))
        return notification(key, to, uid=uid, at=at, **kw)

    return [
        sent(CHANNEL_KEY, ALICE, "before-channel"),
        created(CHANNEL),
        log_of("AddDelegate", CHANNEL, {"delegate": DELEGATE}, 2),
        subscribe_bob,
        optin("1+1-1+2-0-20"),
        sent(CHANNEL_KEY, ALICE, "targeted"),
        sent(CHANNEL_KEY, BOB, "broadcast", ntype="1"),
        sent(DELEGATE_KEY, ALICE, "by-delegate", claim=CHANNEL),
        sent(BOB_KEY, ALICE, "forged", claim=CHANNEL),
        sent(CHANNEL_KEY, ALICE, "targeted"),  # the same proof/uid again
        sent(CHANNEL_KEY, ALICE, "burst-1", at=burst_at),
        sent(CHANNEL_KEY, ALICE, "burst-2", at=burst_at),
        sent(CHANNEL_KEY, ALICE, "burst-3", at=burst_at),
        sent(
            CHANNEL_KEY,
            ALICE,
            "from-ipfs",
            identity=f"1+{cid}",
            at=burst_at + timedelta(seconds=10),
        ),
        sent(
            CHANNEL_KEY, ALICE, "on-amoy-too-early", chain=AMOY, at=burst_at + timedelta(seconds=20)
        ),
        alias_log(CHANNEL, CHANNEL, block=4),
        sent(CHANNEL_KEY, ALICE, "on-amoy", chain=AMOY, at=burst_at + timedelta(seconds=30)),
        retraction_of(subscribe_bob),
        sent(CHANNEL_KEY, BOB, "after-retraction", ntype="1", at=burst_at + timedelta(seconds=40)),
        log_of("ChannelBlocked", CHANNEL, {}, 5),
        sent(CHANNEL_KEY, ALICE, "blocked", at=burst_at + timedelta(seconds=50)),
    ]


def write_records(path: Path, log: list[Envelope]) -> None:
    with path.open("w") as out:
        for envelope in log:
            key, value, headers = to_record(envelope)
            line = {"key": key.decode(), "value": value.decode(), "headers": headers}
            out.write(json.dumps(line, default=lambda b: b.decode()) + "\n")


def read_records(path: Path) -> list[ConsumerRecord[bytes, bytes]]:
    records = []
    for offset, line in enumerate(path.read_text().splitlines()):
        item = json.loads(line)
        headers = [(name, value.encode()) for name, value in item["headers"]]
        records.append(
            ConsumerRecord(
                PROTOCOL_INPUTS.name, 0, offset, 0, 0, item["key"].encode(),
                item["value"].encode(), None, 0, 0, headers,
            )
        )  # fmt: skip
    return records


async def replay(path: Path, workdir: Path, batch_size: int) -> list[bytes]:
    """A fresh validator (empty database) consumes the recorded log; its decisions as bytes."""
    database = Database(f"sqlite+aiosqlite:///{workdir / 'v.sqlite'}", "validator", MIGRATIONS)
    await database.upgrade()
    store = MemoryBlockStore()
    await store.put(IPFS_BODY.encode())
    handlers = make_handlers(
        (SEPOLIA, AMOY), RateLimit(burst=2, per_second=0.5), PayloadFetcher(store)
    )
    spec = ConsumerSpec(
        "validator",
        (PROTOCOL_INPUTS,),
        handlers.mapping(),
        db.offsets,
        handlers.prepare,
    )
    producer = InMemoryProducer()
    records = read_records(path)
    tp = TopicPartition(PROTOCOL_INPUTS.name, 0)
    for start in range(0, len(records), batch_size):
        batch = {tp: records[start : start + batch_size]}
        await process_batch(spec, database, producer, batch, replay=False)  # type: ignore[arg-type]
    await database.dispose()
    return [to_record(e)[1] for e in producer.on(PROTOCOL_DECISIONS)]


async def test_a_recorded_log_replays_into_byte_identical_decisions(tmp_path: Path) -> None:
    cid = await MemoryBlockStore().put(IPFS_BODY.encode())
    recorded = tmp_path / "protocol-inputs.jsonl"
    write_records(recorded, recorded_log(cid))
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = await replay(recorded, tmp_path / "a", batch_size=500)
    # Batching differently must not matter either: one record per transaction this time.
    second = await replay(recorded, tmp_path / "b", batch_size=1)
    assert first == second
    outcomes = [json.loads(d) for d in first]
    reasons = {o["payload"].get("reason") for o in outcomes if "reason" in o["payload"]}
    assert {"UNKNOWN_CHANNEL", "SIGNER_NOT_AUTHORISED", "DUPLICATE_NOTIFICATION"} <= reasons
    assert {"RATE_LIMITED", "ALIAS_NOT_VERIFIED", "CHANNEL_INACTIVE"} <= reasons
    accepted = [o["payload"]["notification_id"] for o in outcomes if o["type"].endswith("Accepted")]
    expected = ["targeted", "broadcast", "by-delegate", "burst-1", "burst-2", "from-ipfs"]
    expected += ["on-amoy", "after-retraction"]
    assert accepted == [f"n-{uid}" for uid in expected]


async def test_an_alias_verified_inside_a_batch_counts_for_the_rest_of_that_batch(
    tmp_path: Path,
) -> None:
    alias_key = ANVIL_KEYS[2]
    alias = address(alias_key)
    later = T0 + timedelta(seconds=100)
    log = [
        created(CHANNEL),
        notification(alias_key, ALICE, uid="before", chain=AMOY, at=later),
        alias_log(CHANNEL, alias, block=4),
        notification(alias_key, ALICE, uid="after", chain=AMOY, at=later),
    ]
    recorded = tmp_path / "log.jsonl"
    write_records(recorded, log)
    outcomes = [json.loads(d) for d in await replay(recorded, tmp_path, batch_size=500)]
    verdicts = {
        o["payload"]["notification_id"]: o["payload"].get("reason", o["type"])
        for o in outcomes
        if o["type"].startswith("Notification")
    }
    assert verdicts == {"n-before": "UNKNOWN_CHANNEL", "n-after": "NotificationAccepted"}


async def test_a_fact_inside_a_batch_costs_one_re_read_and_later_notifications_see_it(
    tmp_path: Path,
) -> None:
    channel_key = ANVIL_KEYS[1]
    channel = address(channel_key)
    wallets = [f"0x{n:040x}" for n in range(1, 21)]
    subscribe = log_of("Subscribe", channel, {"channel": channel, "user": wallets[-1]}, 3)
    log = [
        created(channel),
        notification(channel_key, wallets[0], uid="first"),
        subscribe,
        *(notification(channel_key, w, uid=f"after-{n}") for n, w in enumerate(wallets)),
    ]
    recorded = tmp_path / "log.jsonl"
    write_records(recorded, log)
    reads: list[str] = []
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'v.sqlite'}", "validator", MIGRATIONS)
    await database.upgrade()

    @sa_event.listens_for(database.engine.sync_engine, "before_cursor_execute")
    def _count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("SELECT") and "FROM validator_channels" in statement:
            reads.append(statement)

    handlers = make_handlers((SEPOLIA, AMOY))
    spec = ConsumerSpec(
        "validator", (PROTOCOL_INPUTS,), handlers.mapping(), db.offsets, handlers.prepare
    )
    producer = InMemoryProducer()
    batch = {TopicPartition(PROTOCOL_INPUTS.name, 0): read_records(recorded)}
    await process_batch(spec, database, producer, batch, replay=False)  # type: ignore[arg-type]
    await database.dispose()
    inbox = {
        e.payload["notification_id"]: [r["spam"] for r in e.payload["recipients"]]
        for e in producer.on(PROTOCOL_DECISIONS)
        if e.type == "NotificationAccepted"
    }
    # created (1) + the preload (1) + the subscribe (1) + one re-read after it, not twenty.
    assert len(reads) == 4
    assert len(inbox) == 21
    assert inbox["n-after-19"] == [False]  # subscribed mid-batch: inbox
    assert inbox["n-after-0"] == [True]
