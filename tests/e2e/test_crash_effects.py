"""SIGKILL the listener while wallets subscribe on chain: every subscription is in the channel's
subscriber list, once. (tests/e2e/test_crash.py kills all five services, the listener among
them, while notifications flow; this is what the listener itself carries.)"""

from __future__ import annotations

from collections import Counter

import httpx
from eth_account import Account

from tests.e2e.conftest import RunningNode
from tests.e2e.test_notification_path import CHAIN_ID, RPC, wait_for
from tests.support.devchain import deploy_module, fresh_wallet

SUBSCRIBERS = 5


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
