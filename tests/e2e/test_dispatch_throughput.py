"""One notification right after its devices were registered reaches each of them exactly once.

2,000 and 20,000 devices (100 a wallet), registered (their DeviceRegistered on `devices`, what
the gateway's 204 acknowledges) and at once notified, with no wait for the dispatcher's registry:
the dispatcher orders the two itself. Each device is counted by its token at the FCM emulator,
after the dispatcher's retry window, so a duplicate would be seen. Setup goes to the log as in
`make bench` (tests/bench/dispatch.py), which measures the rate; this only checks the count.
"""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from pushnode_shared.infra.kafka import Producer
from tests.bench import dispatch
from tests.e2e.conftest import RunningNode
from tests.e2e.test_delivery import RETRY_WINDOW_SECONDS


@pytest.mark.parametrize(
    ("devices", "minutes"),
    [pytest.param(2_000, 3, id="2k"), pytest.param(20_000, 10, id="20k")],
)
async def test_every_device_registered_before_a_notification_gets_it_once(
    node: RunningNode, devices: int, minutes: int
) -> None:
    run = uuid.uuid4().hex[:7]
    producer = Producer(dispatch.KAFKA, "e2e")
    await producer.start()
    async with httpx.AsyncClient(timeout=60) as http:
        baseline = await dispatch.accepted(http)
        try:
            await dispatch.notify_right_after_registering(producer, run, devices)
        finally:
            await producer.stop()
        await dispatch.wait_all_pushed(http, run, devices, minutes * 60, baseline)
        await asyncio.sleep(RETRY_WINDOW_SECONDS)
        pushes = await dispatch.pushes_per_token(http, run)
        # Isolation: the next test starts from a quiet dispatcher.
        await dispatch.wait_outcomes_folded(http, run, devices, minutes * 60)

    assert set(pushes) == dispatch.tokens_of(run, devices)
    assert set(pushes.values()) == {1}


# pytest-timeout's default (300 s) is below the 20,000 variant's budget.
pytestmark = pytest.mark.timeout(900)
