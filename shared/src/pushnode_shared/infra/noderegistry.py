"""Joining the network on chain (`pushnode node register|remove`): a NodeRegistry call sent
over JSON-RPC from the node key itself, the key its peers will expect its records signed by.

The key pays the gas: on the dev chains the stack's deploy script funds it (`fund`).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
from eth_abi.abi import encode
from eth_account import Account
from eth_hash.auto import keccak
from eth_utils.address import to_checksum_address
from pydantic import Field

from pushnode_shared.infra.settings import SharedSettings
from pushnode_shared.protocol.chains import ChainConfig
from pushnode_shared.protocol.network.keys import NodeKey

RECEIPT_POLLS = 120
POLL_SECONDS = 0.5


class RegistrySettings(SharedSettings):
    """The chains (the home chain names the registry) and the node key file, as the listener's."""

    node_key_file: Path | None = Field(None, validation_alias="PUSHNODE_NODE_KEY_FILE")

    def key(self) -> NodeKey:
        """This node's key (created on first use, like the listener does)."""
        return NodeKey.load_or_create(self.node_key_file or self.data_dir / "node.key")

    def home(self) -> ChainConfig:
        """The one configured chain with a NodeRegistry."""
        homes = [c for c in self.chains if c.node_registry]
        if len(homes) != 1:
            raise ValueError(f"{len(homes)} chains name a node_registry; exactly one must")
        return homes[0]


def register_call(url: str) -> bytes:
    """Calldata of `register(string)`."""
    return keccak(b"register(string)")[:4] + encode(["string"], [url])


def remove_call(node: str) -> bytes:
    """Calldata of `remove(address)`."""
    return keccak(b"remove(address)")[:4] + encode(["address"], [node])


async def _rpc(client: httpx.AsyncClient, url: str, method: str, *params: Any) -> Any:
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}
    answer = (await client.post(url, json=body)).json()
    if "error" in answer:
        raise RuntimeError(f"{method}: {answer['error']}")
    return answer["result"]


async def send(chain: ChainConfig, key: NodeKey, data: bytes) -> str:
    """Send one call to the chain's registry from `key`; the tx hash once mined (else raises)."""
    assert chain.node_registry is not None
    account = Account.from_key(key.secret_hex())
    call = {"from": account.address, "to": chain.node_registry, "data": "0x" + data.hex()}
    async with httpx.AsyncClient(timeout=30) as client:
        rpc = chain.rpc_url
        nonce = await _rpc(client, rpc, "eth_getTransactionCount", account.address, "pending")
        gas = int(await _rpc(client, rpc, "eth_estimateGas", call), 16)  # a revert shows here
        price = int(await _rpc(client, rpc, "eth_gasPrice"), 16)
        signed = account.sign_transaction(
            {
                "to": to_checksum_address(chain.node_registry),  # eth-account wants it so
                "data": data,
                "nonce": int(nonce, 16),
                "gas": gas + gas // 4,
                "gasPrice": price,
                "chainId": chain.chain_id,
                "value": 0,
            }
        )
        raw = "0x" + bytes(signed.raw_transaction).hex()
        tx_hash = str(await _rpc(client, rpc, "eth_sendRawTransaction", raw))
        for _ in range(RECEIPT_POLLS):
            receipt = await _rpc(client, rpc, "eth_getTransactionReceipt", tx_hash)
            if receipt is not None:
                if int(receipt["status"], 16) != 1:
                    raise RuntimeError(f"{tx_hash} reverted")
                return tx_hash
            await asyncio.sleep(POLL_SECONDS)
    raise RuntimeError(f"{tx_hash} not mined")
