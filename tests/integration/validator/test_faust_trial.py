"""faust-streaming's fair trial (issue 4 item 6): does a table count each record exactly once
when its worker is SIGKILLed mid-stream and a second worker joins (a rebalance)?

The validator needs exactly that: state changed by each input once, no matter how workers die.
N records over K keys go to a 3-partition topic; worker A starts counting, is SIGKILLed
mid-stream, then A' and B start together. The table's changelog (read committed) must end at
exactly N, within the deadline. The outcome decides whether the validator uses faust; see
services/validator/README.md "faust-streaming trial".
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaError

from pushnode_shared.infra.kafka import ensure_topics, topic_partitions
from pushnode_shared.protocol.topics import Topic
from tests.support.devchain import ROOT

N, KEYS = 3000, 30
DEADLINE = 120.0


def worker(env: dict[str, str], log: Path, web_port: int) -> subprocess.Popen[bytes]:
    command = [
        str(ROOT / ".venv" / "bin" / "faust"),
        "-A",
        "tests.integration.validator.faust_trial_app",
    ]
    # Each worker serves faust's web view on its own port (6066 for all would clash).
    worker_env = {**env, "TRIAL_WEB_PORT": str(web_port)}
    with log.open("ab") as out:  # the child keeps its own copy
        return subprocess.Popen(
            [*command, "worker", "-l", "warn"],
            env=worker_env, cwd=ROOT, stdout=out, stderr=out, start_new_session=True,
        )  # fmt: skip


async def produce(kafka: str, topic: str) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka)
    await producer.start()
    try:
        for n in range(N):
            key = f"k{n % KEYS}".encode()
            await producer.send(
                topic, json.dumps(str(n)).encode(), key=json.dumps(key.decode()).encode()
            )
        await producer.flush()
    finally:
        await producer.stop()


async def table_total(kafka: str, changelog: str) -> int:
    """The sum of the latest committed value of every key in the table's changelog."""
    try:
        tps = await topic_partitions(kafka, [Topic(changelog, key="k", carries="trial")])
    except KafkaError:
        return 0  # faust has not created its changelog yet
    if not tps:
        return 0
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka, enable_auto_commit=False, isolation_level="read_committed"
    )
    await consumer.start()
    try:
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        latest: dict[bytes, int] = {}
        while [tp for tp in tps if await consumer.position(tp) < ends[tp]]:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for record in records:
                    if record.key is not None and record.value is not None:
                        latest[record.key] = int(json.loads(record.value))
        return sum(latest.values())
    finally:
        await consumer.stop()


async def settle(kafka: str, changelog: str) -> tuple[int, float]:
    """Poll the total until it reaches N or stops moving for 30 s; (total, seconds taken)."""
    started = time.monotonic()
    total, last_change, last = 0, started, -1
    while time.monotonic() - started < DEADLINE:
        total = await table_total(kafka, changelog)
        if total != last:
            last, last_change = total, time.monotonic()
        if total >= N or time.monotonic() - last_change > 30:
            break
        await asyncio.sleep(1)
    return total, time.monotonic() - started


@pytest.mark.skipif(
    os.environ.get("PUSHNODE_FAUST_TRIAL") != "1",
    reason="two minutes of Kafka time; run with PUSHNODE_FAUST_TRIAL=1 to repeat the trial",
)
@pytest.mark.xfail(
    strict=False,
    reason="faust-streaming 0.15.3, 2026-11-23: exactly_once stalled at 2994/3000 and "
    "at_least_once at 1401/3000 (no progress for 30 s) after the SIGKILL and rebalance",
)
@pytest.mark.parametrize("guarantee", ["exactly_once", "at_least_once"])
async def test_a_faust_table_counts_each_record_once_through_sigkill_and_rebalance(
    kafka: str, tmp_path: Path, guarantee: str
) -> None:
    name = f"faust-trial-{guarantee}-{uuid.uuid4().hex[:6]}"
    await ensure_topics(kafka, [Topic(name, key="k", carries="trial")])
    env = {
        **os.environ,
        "TRIAL_APP": name,
        "TRIAL_KAFKA": kafka,
        "TRIAL_TOPIC": name,
        "TRIAL_GUARANTEE": guarantee,
        "PYTHONPATH": str(ROOT),
    }
    changelog = f"{name}-counts-changelog"
    workers = []
    try:
        first = worker({**env, "TRIAL_DATADIR": str(tmp_path / "a")}, tmp_path / "a.log", 6071)
        workers.append(first)
        producing = asyncio.create_task(produce(kafka, name))
        progress, _ = await _wait_for_progress(kafka, changelog)
        os.killpg(first.pid, signal.SIGKILL)  # mid-stream: no commit, no goodbye
        first.wait(timeout=10)
        workers += [
            worker({**env, "TRIAL_DATADIR": str(tmp_path / d)}, tmp_path / f"{d}.log", port)
            for d, port in (("a2", 6072), ("b", 6073))
        ]
        await producing
        total, seconds = await settle(kafka, changelog)
    finally:
        for w in workers:
            if w.poll() is None:
                os.killpg(w.pid, signal.SIGKILL)
                w.wait(timeout=10)
    logs = "\n".join((tmp_path / f"{d}.log").read_text()[-1500:] for d in ("a", "a2", "b"))
    assert progress > 0, f"no progress before the kill\n{logs}"
    assert (total, seconds < DEADLINE) == (N, True), (
        f"{guarantee}: table total {total} of {N} after {seconds:.0f}s "
        f"(killed at {progress})\n{logs}"
    )


async def _wait_for_progress(kafka: str, changelog: str) -> tuple[int, float]:
    started = time.monotonic()
    while time.monotonic() - started < 60:
        total = await table_total(kafka, changelog)
        if total > 0:
            return total, time.monotonic() - started
        await asyncio.sleep(0.2)
    return 0, time.monotonic() - started
