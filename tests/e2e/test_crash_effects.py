"""SIGKILL the two services tests/e2e/test_crash.py leaves out, where users see their work:
the dispatcher (pushes on a phone) and the listener (on-chain subscriptions in the channel's
subscriber list). Nothing may be missing; the dispatcher may repeat at most the one push whose
provider answer and commit the kill fell between (README, "Exactly once, and nothing lost")."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from typing import Any

import httpx
from eth_account import Account

from tests.e2e.conftest import RunningNode
from tests.e2e.test_delivery import register
from tests.e2e.test_notification_path import CHAIN_ID, RPC, _pushes, wait_for
from tests.support.devchain import deploy_module, fresh_wallet
from tests.support.traffic import gap, open_traffic

NOTIFICATIONS = 30
SUBSCRIBERS = 5


def pushed_uids(pushes: list[Any], sids: dict[str, str]) -> list[str]:
    """The sender's uid of each push, through the sid in Push's `details` field."""
    details = [json.loads(p["message"]["data"]["details"]) for p in pushes]
    return [sids.get(d["info"]["sid"], d["info"]["sid"]) for d in details]


async def test_a_killed_dispatcher_misses_no_push(node: RunningNode) -> None:
    async with httpx.AsyncClient(timeout=15) as http:
        traffic = await open_traffic(node, http)
        phone = f"e2e-crash-{uuid.uuid4().hex}"
        await register(http, node, traffic.subscriber_key, phone, "android")
        try:
            sending = asyncio.create_task(traffic.send(NOTIFICATIONS, pause=0.05))
            await traffic.acknowledged_at_least(NOTIFICATIONS // 3)
            await asyncio.to_thread(node.script, "kill", "dispatcher")
            await traffic.acknowledged_at_least(2 * NOTIFICATIONS // 3)
            await asyncio.to_thread(node.script, "start", "dispatcher")
            await sending

            async def all_pushed() -> list[str]:
                seen = pushed_uids(await _pushes(http, node, phone), traffic.sids)
                return seen if set(seen) >= traffic.acknowledged else []

            seen = await wait_for("a push for every notification", all_pushed, 120)
        finally:
            await traffic.close()
    result = gap(traffic.acknowledged, seen)
    assert not result.missing and not result.unexpected, result
    assert len(result.duplicated) <= 1, result


async def test_a_killed_listener_misses_no_on_chain_subscription(node: RunningNode) -> None:
    deploy = deploy_module()
    w3 = deploy.connect(RPC, CHAIN_ID)
    channel_key = fresh_wallet(w3, deploy)
    channel = Account.from_key(channel_key).address
    deploy.create_channel(w3, channel_key, b"1+bafkreiexamplechannelmeta")
    node.script("kill", "listener")
    try:
        wallets = [fresh_wallet(w3, deploy, push=0) for _ in range(SUBSCRIBERS)]
        for key in wallets:
            deploy.subscribe(w3, key, channel)
    finally:
        node.script("start", "listener")
    wanted = {Account.from_key(k).address.lower() for k in wallets}
    url = f"{node.gateway}/apis/v1/channels/eip155:{CHAIN_ID}:{channel}/subscribers"
    async with httpx.AsyncClient(timeout=15) as http:

        async def listed() -> list[str]:
            response = await http.get(url, params={"limit": 50})
            if response.status_code != 200:
                return []
            found = [s["subscriber"].split(":")[-1].lower() for s in response.json()["subscribers"]]
            return found if set(found) >= wanted else []

        found = await wait_for("every on-chain subscriber listed", listed, 90)
    counts = Counter(found)
    assert wanted <= set(counts)
    assert all(n == 1 for n in counts.values()), counts
