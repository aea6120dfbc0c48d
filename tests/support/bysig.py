"""Gasless on-chain opt-in: a subscriber signs EIP-712 `Subscribe`/`Unsubscribe` ("EPNS COMM V1")
and anyone relays it to Comm's subscribeBySig/unsubscribeBySig."""

from __future__ import annotations

import time
from typing import Any

from eth_account import Account
from web3 import Web3

from tests.support.devchain import deploy_module


def relay_opt(w3: Web3, relayer_key: str, subscriber_key: str, channel: str, action: str) -> Any:
    """`action` is "Subscribe" or "Unsubscribe"; returns the relayer's receipt."""
    deploy = deploy_module()
    comm = deploy.comm(w3)
    subscriber = Account.from_key(subscriber_key).address
    nonce = comm.functions.nonces(subscriber).call()
    expiry = int(time.time()) + 3600
    channel = Web3.to_checksum_address(channel)
    signed = Account.sign_typed_data(
        subscriber_key,
        domain_data={
            "name": "EPNS COMM V1",
            "chainId": w3.eth.chain_id,
            "verifyingContract": comm.address,
        },
        message_types={
            action: [
                {"name": "channel", "type": "address"},
                {"name": "subscriber", "type": "address"},
                {"name": "nonce", "type": "uint256"},
                {"name": "expiry", "type": "uint256"},
            ]
        },
        message_data={
            "channel": channel,
            "subscriber": subscriber,
            "nonce": nonce,
            "expiry": expiry,
        },
    )
    fn = comm.functions.subscribeBySig if action == "Subscribe" else comm.functions.unsubscribeBySig
    r, s = signed.r.to_bytes(32, "big"), signed.s.to_bytes(32, "big")
    return deploy.send_tx(w3, relayer_key, fn(channel, subscriber, nonce, expiry, signed.v, r, s))
