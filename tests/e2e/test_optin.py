"""An off-chain, signed opt-in through the gateway moves the wallet's notifications to its inbox."""

from __future__ import annotations

import httpx
from eth_account import Account

from tests.e2e.conftest import RunningNode
from tests.e2e.test_notification_path import CHAIN_ID, RPC, _feeds, _past, signed_payload, wait_for
from tests.support.devchain import deploy_module, fresh_wallet
from tests.support.optin import optin_body


async def test_an_off_chain_opt_in_sends_the_next_notification_to_the_inbox(
    node: RunningNode,
) -> None:
    deploy = deploy_module()
    w3 = deploy.connect(RPC, CHAIN_ID)
    channel_key, carol_key = fresh_wallet(w3, deploy), fresh_wallet(w3, deploy, push=0)
    channel = Account.from_key(channel_key).address
    carol = Account.from_key(carol_key).address
    comm = deploy.comm_address(CHAIN_ID)
    receipt = deploy.create_channel(w3, channel_key, b"1+bafkreioptinchannel")
    async with httpx.AsyncClient(timeout=10) as http:
        await wait_for("the channel on the log", lambda: _past(http, node, receipt["blockNumber"]))
        caip = f"eip155:{CHAIN_ID}:{channel}"
        optin = optin_body(carol_key, caip, CHAIN_ID, comm)
        response = await http.post(f"{node.gateway}/apis/v1/channels/{caip}/subscribe", json=optin)
        assert response.status_code == 204, response.text
        body = signed_payload(channel_key, comm, [carol])
        response = await http.post(node.gateway + "/apis/v1/payloads/", json=body)
        assert response.status_code == 204, response.text
        inbox = await wait_for("carol's inbox", lambda: _feeds(http, node, carol, spam=False))
        assert await _feeds(http, node, carol, spam=True) == []
    assert inbox[0]["payload"]["verificationProof"] == body["verificationProof"]
