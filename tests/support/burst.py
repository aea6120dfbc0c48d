"""Many real-shaped Push logs on a dev chain, fast: the LogBurst contract (devstack/contracts).

One `burst` transaction emits thousands of Comm `Subscribe(channel, user)` logs, so a test or
the backfill bench puts 100,000 logs on anvil in a few dozen blocks. A listener configured
with the LogBurst address as its `comm` decodes them like the real contract's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from web3 import Web3
from web3.contract import Contract

from tests.support.devchain import deploy_module, fresh_wallet

# A ChainBlocksRecorded carries every log of a recorded block: keep a block's worth of logs
# well under Kafka's 1 MB record limit (about 250 bytes a log).
MAX_LOGS_PER_BLOCK = 2000


@dataclass
class Burst:
    """A deployed LogBurst and the funded key that sends its transactions."""

    w3: Web3
    contract: Contract
    key: str
    next_user: int = 1

    @property
    def address(self) -> str:
        return str(self.contract.address).lower()

    def emit(self, channel: str, count: int) -> list[Any]:
        """`count` Subscribe logs for `channel`, at most MAX_LOGS_PER_BLOCK per block (tx)."""
        deploy = deploy_module()
        receipts = []
        while count > 0:
            n = min(count, MAX_LOGS_PER_BLOCK)
            fn = self.contract.functions.burst(Web3.to_checksum_address(channel), self.next_user, n)
            receipts.append(deploy.send_tx(self.w3, self.key, fn))
            self.next_user += n
            count -= n
        return receipts


def deploy_burst(w3: Web3) -> Burst:
    """A fresh LogBurst on this chain, deployed by a fresh funded wallet."""
    deploy = deploy_module()
    key = fresh_wallet(w3, deploy, push=0)
    artifact = deploy.load_artifact("LogBurst")
    factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    receipt = deploy.send_tx(w3, key, factory.constructor())
    contract = w3.eth.contract(address=receipt["contractAddress"], abi=artifact["abi"])
    return Burst(w3, contract, key)
