"""Scenario "dispatch": one notification to 100,000 registered devices, pushed to the FCM
emulator by the running dispatcher.

Setup goes straight to the log (the gateway's signature checks are not what is measured):
DeviceRegistered for every device on `devices`, then, once the dispatcher's registry has
caught up, one MessageStored to all their wallets on `messages-stored`. Figure: devices / time
from that record to the emulator's last accepted push (its own counter). Ceiling: the same
emulator driven by a lean HTTP client (aiohttp) with a ready bearer token, in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import httpx
from google.auth.transport.requests import Request as AuthRequest
from google.oauth2 import service_account

from pushnode_shared.infra.kafka import Producer
from pushnode_shared.protocol.events import (
    DeviceRegistered,
    MessageStored,
    Platform,
    Recipient,
    wrap,
)
from pushnode_shared.protocol.topics import DEVICES, MESSAGES_STORED
from tests.bench.harness import Row
from tests.e2e.test_notification_path import wait_for

FCM = "http://127.0.0.1:4020"
DISPATCHER = "http://127.0.0.1:4014"
KAFKA = "127.0.0.1:9092"
DEVICES_PER_WALLET = 100
SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
CEILING_IN_FLIGHT = 64
PUBLISH_CHUNK = 5_000


async def accepted(http: httpx.AsyncClient) -> int:
    return int((await http.get(f"{FCM}/_emulator/stats")).json()["accepted"])


async def lag(http: httpx.AsyncClient, consumer: str) -> int:
    checks = (await http.get(f"{DISPATCHER}/readyz")).json()["checks"]
    found = re.search(r"lag (-?\d+)", checks.get(f"consumer:{consumer}", ""))
    return int(found.group(1)) if found else 1


async def register_devices(producer: Producer, run: str, count: int) -> list[str]:
    """DeviceRegistered for `count` Android devices, 100 per wallet; returns the wallets."""
    wallets = [f"0x{run}{n:0{40 - len(run)}x}" for n in range(count // DEVICES_PER_WALLET)]
    now = datetime.now(UTC)
    events = [
        (
            DEVICES,
            wrap(
                DeviceRegistered(
                    wallet=wallet,
                    device_token=f"bench-{run}-{w}-{d}",
                    platform=Platform.ANDROID,
                    signed_at=now,
                ),
                producer="bench",
            ),
        )
        for w, wallet in enumerate(wallets)
        for d in range(DEVICES_PER_WALLET)
    ]
    for start in range(0, len(events), PUBLISH_CHUNK):
        await producer.publish_many(events[start : start + PUBLISH_CHUNK])
    return wallets


def stored_for(wallets: list[str], run: str) -> MessageStored:
    return MessageStored(
        notification_id=f"bench-dispatch-{run}",
        cid="bafkreibenchdispatch",
        channel="0x" + "b" * 40,
        chain_id=11155111,
        sender="eip155:11155111:0x" + "b" * 40,
        recipients=[Recipient(address=w, spam=False) for w in wallets],
        payload={"notification": {"title": "bench", "body": "dispatch"}, "data": {"app": "b"}},
        verification_proof="eip712v2:0xbench",
        source="ETH_TEST_SEPOLIA",
        submitted_at=datetime.now(UTC),
    )


async def measure_dispatcher(count: int) -> float:
    run = uuid.uuid4().hex[:8]
    producer = Producer(KAFKA, "bench")
    await producer.start()
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            wallets = await register_devices(producer, run, count)

            async def caught_up() -> bool:
                return await lag(http, "dispatcher-registry") == 0

            async def outcomes_folded() -> bool:
                return await lag(http, "dispatcher-status") == 0

            await wait_for("the dispatcher's registry", caught_up, seconds=300)
            await asyncio.sleep(2)  # lag is sampled; let the last batch commit
            baseline = await accepted(http)
            started = time.perf_counter()
            message = wrap(stored_for(wallets, run), producer="bench")
            await producer.publish_many([(MESSAGES_STORED, message)])

            async def all_pushed() -> bool:
                return await accepted(http) >= baseline + count

            await wait_for(f"{count:,} pushes at the emulator", all_pushed, seconds=3600)
            rate = count / (time.perf_counter() - started)
            # Not timed: the delivery status folds the outcomes, so whatever runs next on this
            # stack starts from a quiet dispatcher.
            await asyncio.sleep(3)
            await wait_for("the outcomes folded", outcomes_folded, seconds=1800)
            return rate
    finally:
        await producer.stop()


def bearer_token() -> tuple[str, str]:
    """An access token from the emulator's token endpoint, and the project it is for."""
    var = Path(os.environ.get("PUSHNODE_VAR", "var"))
    default = str(var / "fcm" / "service-account.json")
    path = os.environ.get("DISPATCHER_FCM_SERVICE_ACCOUNT", default)
    make = service_account.Credentials.from_service_account_file
    credentials = make(path, scopes=[SCOPE])  # type: ignore[no-untyped-call]
    credentials.refresh(AuthRequest())
    return str(credentials.token), str(credentials.project_id)


async def emulator_ceiling(count: int) -> float:
    """Sends/s the emulator accepts from a lean client (aiohttp, a ready bearer token): the
    most any sender on this machine could get from it. httpx, which the dispatcher uses for
    HTTP/2, costs about ten times its CPU per request, so it would measure itself instead."""
    token, project = await asyncio.to_thread(bearer_token)
    headers = {"Authorization": f"Bearer {token}"}
    url = f"{FCM}/v1/projects/{project}/messages:send"
    numbers = iter(range(count))
    connector = aiohttp.TCPConnector(limit=CEILING_IN_FLIGHT)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def worker() -> None:
            for n in numbers:
                body = {"message": {"token": f"ceiling-{n}", "notification": {"title": "c"}}}
                async with http.post(url, json=body, headers=headers) as response:
                    response.raise_for_status()
                    await response.read()

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CEILING_IN_FLIGHT)))
        return count / (time.perf_counter() - started)


async def scenario(args: argparse.Namespace) -> list[Row]:
    count = args.dispatch_devices
    rate = await measure_dispatcher(count)
    ceiling = await emulator_ceiling(min(count, 20_000))
    return [
        Row(
            "dispatch",
            f"{count:,} devices, one notification",
            rate,
            "pushes/s",
            ">= 3,000",
            ceiling,
        ),
        Row("dispatch", "FCM emulator, lean client (ceiling)", ceiling, "pushes/s", "-", None),
    ]
