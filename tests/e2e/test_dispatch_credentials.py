"""FCM refuses the node's credentials: that app's sends stop, /readyz and the metrics say so,
and once a probe is accepted the held push goes out, once."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.conftest import RunningNode
from tests.e2e.test_delivery import fcm_fault, notify, registered_phone, subscribed_user
from tests.e2e.test_notification_path import _pushes, wait_for

DISPATCHER = "http://127.0.0.1:4014"
DISPATCHER_METRICS = "http://127.0.0.1:9414"  # the internal metrics port


@pytest.fixture
def quick_probes(node: RunningNode) -> Iterator[RunningNode]:
    """The dispatcher restarted with a 3 s credentials probe, then restored."""
    quick = dataclasses.replace(
        node,
        env=node.env
        | {"DISPATCHER_CREDENTIALS_PROBE_SECONDS": "3", "DISPATCHER_RETRY_BASE_SECONDS": "1"},
    )
    try:
        quick.script("stop", "dispatcher")
        quick.script("start", "dispatcher")
        yield quick
    finally:  # also when the quick restart failed: the node's own dispatcher again
        node.script("stop", "dispatcher")
        node.script("start", "dispatcher")


async def credentials_check(http: httpx.AsyncClient) -> tuple[int, str]:
    response = await http.get(DISPATCHER + "/readyz")
    return response.status_code, response.json()["checks"].get("credentials:fcm", "")


async def test_refused_credentials_stop_sends_until_a_probe_is_accepted(
    quick_probes: RunningNode,
) -> None:
    node = quick_probes
    async with httpx.AsyncClient(timeout=10) as http:
        deploy, channel_key, user_key = await subscribed_user(http, node)
        phone = await registered_phone(http, node, user_key, "creds")
        await fcm_fault(http, node, error="THIRD_PARTY_AUTH_ERROR", count=1)
        await notify(http, node, deploy, channel_key, user_key)

        async def refused() -> tuple[int, str] | None:
            status, detail = await credentials_check(http)
            return (status, detail) if detail.startswith("failing") else None

        status, detail = await wait_for("readiness to report the refusal", refused, 60)
        metrics = (await http.get(DISPATCHER_METRICS + "/metrics")).text

        async def accepted_again() -> bool:
            return (await credentials_check(http))[1].startswith("ok")

        await wait_for("a probe accepted", accepted_again, 60)
        pushes = await wait_for("the held push", lambda: _pushes(http, node, phone), 30)

    assert status == 503 and "THIRD_PARTY_AUTH_ERROR" in detail
    assert 'outcome="credentials",provider="fcm",reason="THIRD_PARTY_AUTH_ERROR"' in metrics
    assert 'pushnode_dispatcher_credentials_ok{app="pushnode-dev",provider="fcm"} 0.0' in metrics
    assert len(pushes) == 1
