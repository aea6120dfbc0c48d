"""Scenario "validate": signed notifications judged per second by the validator's consumer path.

Figure: N eip712v2-signed NotificationSubmitted (from 10 channels created first) replayed from a
bench topic through the real validator handlers and PostgreSQL (signature recovery, state
loads, verdict rows, offsets with them; the same process_batch as the live consumer, without
publishing, which the ingest scenario measures). Ceiling: the eth-account (+coincurve) EIP-712
recover rate of the same N signatures, single-threaded, in the same run. Target >= 0.8 of it.
A third row is the validator's own recover (coincurve without eth-account's wrappers) of the
same signatures: since it is faster than eth-account's, the judged rate can pass the ceiling.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

import psycopg
from eth_account import Account
from eth_account.messages import encode_typed_data

from pushnode_shared.infra.consumer import ConsumerSpec
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.infra.kafka import Producer, ensure_topics
from pushnode_shared.infra.rebuild import replay
from pushnode_shared.protocol.chains import LOCAL_CHAINS
from pushnode_shared.protocol.events import (
    ChainEventObserved,
    NotificationSubmitted,
    wrap,
)
from pushnode_shared.protocol.payloads import parse_proof
from pushnode_shared.protocol.signatures import data_typed_message, recover_data_signer, sign_data
from pushnode_shared.protocol.topics import Topic
from pushnode_validator.adapters import db as validator_db
from pushnode_validator.bootstrap import MIGRATIONS, make_handlers
from tests.bench.harness import Row

KAFKA = "127.0.0.1:9092"
PG_ADMIN = "postgresql://pushnode:pushnode@127.0.0.1:55432/pushnode"
CHAIN = LOCAL_CHAINS[0]
CHANNELS = 10
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def channel_keys() -> list[str]:
    return [Account.create(f"bench-channel-{n}").key.hex() for n in range(CHANNELS)]


def created(key: str) -> Envelope:
    channel = Account.from_key(key).address.lower()
    log = ChainEventObserved(
        chain_id=CHAIN.chain_id,
        contract=CHAIN.core or CHAIN.comm,
        event="AddChannel",
        args={"channel": channel, "channelType": 2, "identity": "0x"},
        block_number=1,
        block_hash="0x" + "11" * 32,
        tx_hash="0x" + channel[2:].rjust(64, "0"),
        log_index=0,
        channel=channel,
    )
    return wrap(log, producer="bench")


def signed(key: str, n: int) -> Envelope:
    channel = Account.from_key(key).address
    recipient = "0x" + f"{n % 5000:040x}"
    identity = (
        '2+{"notification": {"title": "Bench", "body": "n ' + str(n) + '"}, '
        '"data": {"type": "3", "asub": "s", "amsg": "m"}}'
    )
    proof = f"eip712v2:{sign_data(identity, CHAIN.chain_id, CHAIN.comm, key)}::uid::{n}"
    at = T0 + timedelta(milliseconds=n)
    event = NotificationSubmitted(
        notification_id=f"bench-{n}",
        channel=channel.lower(),
        sender=f"eip155:{CHAIN.chain_id}:{channel}",
        recipient=f"eip155:{CHAIN.chain_id}:{recipient}",
        identity=identity,
        verification_proof=proof,
        source=CHAIN.source,
        submitted_at=at,
    )
    return wrap(event, producer="bench", occurred_at=at)


async def fill(topic: Topic, envelopes: list[Envelope]) -> None:
    producer = Producer(KAFKA, "bench")
    await producer.start()
    try:
        for start in range(0, len(envelopes), 5000):
            await producer.publish_many([(topic, e) for e in envelopes[start : start + 5000]])
    finally:
        await producer.stop()


def recover_rate(submissions: list[Envelope]) -> float:
    """eth-account's own path: encode_typed_data, then recover_message (coincurve underneath)."""
    started = time.perf_counter()
    for envelope in submissions:
        payload = envelope.payload
        signature = bytes.fromhex(parse_proof(payload["verification_proof"]).body[2:])
        typed = data_typed_message(payload["identity"], CHAIN.chain_id, CHAIN.comm)
        Account.recover_message(encode_typed_data(full_message=typed), signature=signature)
    return len(submissions) / (time.perf_counter() - started)


def node_recover_rate(submissions: list[Envelope]) -> float:
    """The validator's own recover (coincurve direct, signatures.py) of the same signatures:
    the crypto floor of a verdict, so the judged rate's distance from it is the overhead."""
    started = time.perf_counter()
    for envelope in submissions:
        payload = envelope.payload
        signature = parse_proof(payload["verification_proof"]).body
        recover_data_signer(payload["identity"], CHAIN.chain_id, CHAIN.comm, signature)
    return len(submissions) / (time.perf_counter() - started)


async def scenario(args: argparse.Namespace) -> list[Row]:
    count = args.validate_count
    keys = channel_keys()
    print(f"[bench] signing {count:,} notifications", file=sys.stderr)
    submissions = [signed(keys[n % CHANNELS], n) for n in range(count)]
    topic = Topic(f"bench-inputs-{uuid.uuid4().hex[:6]}", key="channel", carries="bench")
    await ensure_topics(KAFKA, [topic])
    await fill(topic, [created(k) for k in keys] + submissions)
    name = f"pushnode_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+asyncpg://pushnode:pushnode@127.0.0.1:55432/{name}"
    database = Database(url, "validator", MIGRATIONS)
    await database.upgrade()
    handlers = make_handlers(LOCAL_CHAINS)
    spec = ConsumerSpec(
        "bench-validate",
        (topic,),
        handlers.mapping(),
        validator_db.offsets,
        handlers.prepare,
    )
    started = time.perf_counter()
    judged = await replay(spec, database, KAFKA)
    rate = judged / (time.perf_counter() - started)
    await database.dispose()
    ceiling = recover_rate(submissions)
    floor = node_recover_rate(submissions)
    return [
        Row(
            "validate",
            f"{count:,} signed notifications judged",
            rate,
            "notif/s",
            ">= 0.8x",
            ceiling,
        ),
        Row("validate", "EIP-712 recover, eth-account (ceiling)", ceiling, "sig/s", "-", None),
        Row("validate", "EIP-712 recover, the validator's own", floor, "sig/s", "-", None),
    ]
