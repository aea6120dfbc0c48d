"""The figures operators alert on: decisions by reason code and HTTP latency by route."""

from __future__ import annotations

import re

import httpx
from eth_account import Account

from tests.e2e.conftest import RunningNode
from tests.e2e.test_notification_path import signed_payload, wait_for
from tests.support.devchain import deploy_module

CHAIN_ID = 11155111


def sample(metrics: str, name: str, **labels: str) -> float:
    """The value of one series in a Prometheus text page, 0 when absent."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in metrics.splitlines():
        match = re.fullmatch(rf"{name}\{{(.*)\}} (\S+)", line)
        if match and ",".join(sorted(match.group(1).split(","))) == wanted:
            return float(match.group(2))
    return 0.0


async def test_a_rejection_is_counted_by_reason_and_the_request_by_route(node: RunningNode) -> None:
    stranger = Account.create()  # no channel on chain: the validator must refuse
    comm = deploy_module().comm_address(CHAIN_ID)
    body = signed_payload(stranger.key.hex(), comm, [stranger.address])
    async with httpx.AsyncClient(timeout=10) as http:

        async def rejections() -> float:
            page = (await http.get(node.metrics_url("validator") + "/metrics")).text
            return sample(
                page,
                "pushnode_decisions_total",
                decision="NotificationRejected",
                reason="UNKNOWN_CHANNEL",
            )

        before = await rejections()
        answer = await http.post(node.gateway + "/apis/v1/payloads/", json=body)
        assert answer.status_code == 204, answer.text
        assert await wait_for("the rejection metric", lambda: _above(rejections, before)) == 1
        gateway = (await http.get(node.metrics_url("gateway") + "/metrics")).text
    assert (
        sample(
            gateway,
            "pushnode_http_request_seconds_count",
            method="POST",
            route="/apis/v1/payloads/",
            status="204",
        )
        >= 1
    )


async def _above(read: object, before: float) -> float:
    now = await read()  # type: ignore[operator]
    return float(now - before)
