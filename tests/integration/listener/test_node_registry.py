"""The NodeRegistry on the dev chain: joining the network is an on-chain act of the node's key.

The listener will fold these events into the peer set ([J] 1); here the contract itself is
held to its rules on real anvil: only the key registers itself, URLs are bounded, and only the
node or the registry's admin removes it.
"""

from __future__ import annotations

import secrets
from types import ModuleType

import pytest
from eth_account import Account
from web3 import Web3


def node_key(w3: Web3, deploy: ModuleType) -> str:
    key = "0x" + secrets.token_hex(32)
    deploy.fund(w3, Account.from_key(key).address)
    return key


def registered(w3: Web3, deploy: ModuleType, receipt: object) -> list[tuple[str, str]]:
    events = deploy.node_registry(w3).events.NodeRegistered().process_receipt(receipt)
    return [(e["args"]["node"], e["args"]["url"]) for e in events]


def test_a_node_registers_its_own_key_and_may_move_to_a_new_url(
    deploy: ModuleType, sepolia: Web3
) -> None:
    deploy.deploy_all({11155111: "http://127.0.0.1:8545"})
    key = node_key(sepolia, deploy)
    node = deploy.address_of(key)
    first = deploy.register_node(sepolia, key, "http://node-a.example:4000")
    moved = deploy.register_node(sepolia, key, "https://node-a.example")
    assert registered(sepolia, deploy, first) == [(node, "http://node-a.example:4000")]
    assert registered(sepolia, deploy, moved) == [(node, "https://node-a.example")]
    assert deploy.node_registry(sepolia).functions.urlOf(node).call() == "https://node-a.example"


@pytest.mark.parametrize("url", ["", "https://" + "a" * 249], ids=["empty", "257 bytes"])
def test_a_url_that_is_empty_or_longer_than_256_bytes_is_refused(
    deploy: ModuleType, sepolia: Web3, url: str
) -> None:
    deploy.deploy_all({11155111: "http://127.0.0.1:8545"})
    with pytest.raises(Exception, match="bad url length"):
        deploy.register_node(sepolia, node_key(sepolia, deploy), url)


def test_only_the_node_itself_or_the_admin_removes_a_node(
    deploy: ModuleType, sepolia: Web3
) -> None:
    deploy.deploy_all({11155111: "http://127.0.0.1:8545"})
    registry = deploy.node_registry(sepolia)
    one, two = node_key(sepolia, deploy), node_key(sepolia, deploy)
    for key in (one, two):
        deploy.register_node(sepolia, key, "http://node.example:4000")
    with pytest.raises(Exception, match="not allowed"):
        deploy.remove_node(sepolia, node_key(sepolia, deploy), deploy.address_of(one))
    by_itself = deploy.remove_node(sepolia, one, deploy.address_of(one))
    by_admin = deploy.remove_node(sepolia, deploy.ADMIN_PRIVATE_KEY, deploy.address_of(two))
    for receipt, key in ((by_itself, one), (by_admin, two)):
        (removed,) = registry.events.NodeRemoved().process_receipt(receipt)
        assert removed["args"]["node"] == deploy.address_of(key)
        assert registry.functions.urlOf(deploy.address_of(key)).call() == ""
