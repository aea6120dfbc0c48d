"""A notification sent through the Comm contract reaches the recipient's feed with its tx proof."""

from __future__ import annotations

import json

import httpx
from eth_account import Account

from tests.e2e.conftest import RunningNode
from tests.e2e.test_notification_path import CHAIN_ID, RPC, _feeds, wait_for
from tests.support.devchain import deploy_module, fresh_wallet


async def test_an_on_chain_notification_lands_in_the_subscribers_inbox(node: RunningNode) -> None:
    deploy = deploy_module()
    w3 = deploy.connect(RPC, CHAIN_ID)
    channel_key, dave_key = fresh_wallet(w3, deploy), fresh_wallet(w3, deploy, push=0)
    channel = Account.from_key(channel_key).address
    dave = Account.from_key(dave_key).address
    deploy.create_channel(w3, channel_key, b"1+bafkreionchainchannel")
    deploy.subscribe(w3, dave_key, channel)
    payload = {"notification": {"title": "On-chain", "body": "Sent by Comm"}, "data": {"type": "3"}}
    identity = ("2+" + json.dumps(payload)).encode()
    receipt = deploy.send_notification(w3, channel_key, channel, dave, identity)
    async with httpx.AsyncClient(timeout=10) as http:
        feed = await wait_for("dave's inbox", lambda: _feeds(http, node, dave, spam=False), 45)
    item = feed[0]
    assert item["payload"]["notification"]["title"] == "On-chain"
    tx = "0x" + bytes(receipt["transactionHash"]).hex().removeprefix("0x")
    assert item["payload"]["verificationProof"] == f"eip155:{CHAIN_ID}:{tx}"
