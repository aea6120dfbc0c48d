"""SIGKILL a service while notifications flow: none is lost, none reaches the feed twice."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from eth_account import Account

from tests.e2e.conftest import RunningNode
from tests.e2e.test_notification_path import (
    CHAIN_ID,
    RPC,
    channel_with_subscriber,
    signed_payload,
    wait_for,
)
from tests.support.devchain import deploy_module, fresh_wallet

PER_PHASE = 15


async def send_many(
    http: httpx.AsyncClient, node: RunningNode, key: str, comm: str, to: str
) -> None:
    for _ in range(PER_PHASE):
        response = await http.post(
            node.gateway + "/apis/v1/payloads/", json=signed_payload(key, comm, [to])
        )
        assert response.status_code == 204, response.text


async def whole_inbox(http: httpx.AsyncClient, node: RunningNode, who: str) -> list[Any]:
    url = f"{node.gateway}/apis/v1/users/eip155:{CHAIN_ID}:{who}/feeds"
    items: list[Any] = []
    for page in range(1, 10):
        response = await http.get(url, params={"limit": 50, "page": page})
        if response.status_code != 200:
            return []
        batch = response.json()["feeds"]
        items.extend(batch)
        if len(batch) < 50:
            break
    return items


@pytest.mark.parametrize("victim", ["validator", "storage", "gateway"])
async def test_a_killed_service_loses_and_duplicates_nothing(
    node: RunningNode, victim: str
) -> None:
    deploy = deploy_module()
    w3 = deploy.connect(RPC, CHAIN_ID)
    channel_key, user_key = fresh_wallet(w3, deploy), fresh_wallet(w3, deploy, push=0)
    user = Account.from_key(user_key).address
    comm = deploy.comm_address(CHAIN_ID)
    async with httpx.AsyncClient(timeout=15) as http:
        await channel_with_subscriber(http, node, deploy, w3, channel_key, user_key)
        await send_many(http, node, channel_key, comm, user)
        node.script("kill", victim)
        if victim != "gateway":
            await send_many(http, node, channel_key, comm, user)  # accepted while it is down
        await asyncio.sleep(1)
        node.script("start", victim)
        if victim == "gateway":
            await send_many(http, node, channel_key, comm, user)
        expected = 2 * PER_PHASE

        async def all_there() -> list[Any]:
            items = await whole_inbox(http, node, user)
            return items if len(items) >= expected else []

        items = await wait_for(f"{expected} notifications after killing {victim}", all_there, 60)
    sids = [item["sid"] for item in items]
    assert len(sids) == expected
    assert len(set(sids)) == expected
