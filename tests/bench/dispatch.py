"""Scenario "dispatch": one notification to 100,000 registered devices, pushed to the FCM
emulator by the running dispatcher.

Setup goes straight to the log (the gateway's signature checks are not what is measured):
DeviceRegistered for every device on `devices`, then at once one MessageStored to all their
wallets on `messages-stored`. No reading of the dispatcher's lag (a sample taken after each
batch): a first notification to 100 devices registered after the others is pushed only once
the registry folded them all (the sender waits for it). Figure: devices / time from the
notification's record to the last device's push, every device counted by its token at the
emulator (exactly one each). Ceiling: the same emulator driven
by a lean HTTP client (aiohttp) with a ready bearer token, in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from collections import Counter
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

FCM = "http://127.0.0.1:4020"
KAFKA = "127.0.0.1:9092"
GATEWAY = "http://127.0.0.1:4000"
DISPATCHER = "http://127.0.0.1:4014"
DEVICES_PER_WALLET = 100
SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
CEILING_IN_FLIGHT = 64
PUBLISH_CHUNK = 5_000


async def accepted(http: httpx.AsyncClient) -> int:
    """The emulator's count of every push it took: a cheap progress signal, never the result."""
    return int((await http.get(f"{FCM}/_emulator/stats")).json()["accepted"])


async def pushes_per_token(http: httpx.AsyncClient, run: str) -> Counter[str]:
    """How many pushes the emulator took for each device of this run, by token."""
    messages = (await http.get(f"{FCM}/_emulator/messages")).json()
    prefix = f"bench-{run}-"
    return Counter(
        token
        for m in messages
        if isinstance(token := m.get("token"), str) and token.startswith(prefix)
    )


def token_of(run: str, wallet: int, device: int) -> str:
    """The token of a run's `device`-th device of its `wallet`-th wallet (`bench-` prefixed,
    so `pushes_per_token` finds it)."""
    return f"bench-{run}-{wallet}-{device}"


def tokens_of(run: str, count: int, per_wallet: int = DEVICES_PER_WALLET) -> set[str]:
    """The device tokens of this run's `count` devices, `per_wallet` a wallet."""
    return {token_of(run, w, d) for w in range(count // per_wallet) for d in range(per_wallet)}


async def notify_right_after_registering(producer: Producer, run: str, count: int) -> None:
    """Register `count` devices, then at once one notification to all their wallets.

    No wait for the dispatcher's registry in between: the registrations are acknowledged
    (on `devices`), and the dispatcher must push every device registered before a
    notification (its sender waits for the registry), as it would for a phone.
    """
    wallets = await register_devices(producer, run, count)
    message = wrap(stored_for(wallets, run), producer="bench")
    await producer.publish_many([(MESSAGES_STORED, message)])


async def wait_all_pushed(
    http: httpx.AsyncClient, run: str, wanted: set[str], seconds: float, baseline: int
) -> None:
    """Until every device token `wanted` was pushed: the cheap counter (from `baseline`, read
    before the notification) says when to look, the per-token count says whether it is so."""
    deadline = time.monotonic() + seconds
    count = len(wanted)
    while time.monotonic() < deadline:
        if await accepted(http) >= baseline + count and wanted <= set(
            await pushes_per_token(http, run)
        ):
            return
        await asyncio.sleep(1)
    got = await pushes_per_token(http, run)
    raise AssertionError(f"{len(wanted - set(got)):,} of {count:,} devices got no push")


async def wait_outcomes_folded(
    http: httpx.AsyncClient, notification_id: str, count: int, seconds: float
) -> None:
    """Until the run's outcomes are folded and the dispatcher is ready again: every device
    DELIVERED in the public deliveries API, then the dispatcher's /readyz, so whatever runs
    next on this stack starts from a quiet dispatcher (a restart meanwhile would have to
    refold them before it is ready)."""
    deadline = time.monotonic() + seconds
    url = f"{GATEWAY}/apis/v1/payloads/{notification_id}/deliveries"
    while time.monotonic() < deadline:
        rows = (await http.get(url)).json()["deliveries"]
        delivered = sum(1 for row in rows if row["status"] == "DELIVERED")
        if delivered >= count and (await http.get(f"{DISPATCHER}/readyz")).status_code == 200:
            return
        await asyncio.sleep(2)
    raise AssertionError(f"the outcomes of {count:,} pushes not folded in {seconds:.0f}s")


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
                    device_token=token_of(run, w, d),
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
    """Pushes/s from the notification's record to the last device's push, all counted."""
    run = uuid.uuid4().hex[:7]
    producer = Producer(KAFKA, "bench")
    await producer.start()
    try:
        async with httpx.AsyncClient(timeout=60) as http:
            # Untimed: the registrations, then a notification to 100 devices registered after
            # them; once those are pushed, the sender has seen the registry fold everything.
            wallets = await register_devices(producer, run, count)
            baseline = await accepted(http)
            await notify_right_after_registering(producer, f"{run}f", DEVICES_PER_WALLET)
            first = tokens_of(f"{run}f", DEVICES_PER_WALLET)
            await wait_all_pushed(http, f"{run}f", first, 3600, baseline)
            baseline = await accepted(http)
            started = time.perf_counter()
            message = wrap(stored_for(wallets, run), producer="bench")
            await producer.publish_many([(MESSAGES_STORED, message)])
            await wait_all_pushed(http, run, tokens_of(run, count), 3600, baseline)
            rate = count / (time.perf_counter() - started)
            extra = {t: n for t, n in (await pushes_per_token(http, run)).items() if n != 1}
            assert not extra, f"{len(extra)} devices pushed more than once"
            folded = f"bench-dispatch-{run}"
            await wait_outcomes_folded(http, folded, count, seconds=3600)  # not timed
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
