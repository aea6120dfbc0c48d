"""The dev chains from a test: the contracts' deploy helpers, and fresh funded wallets."""

from __future__ import annotations

import importlib.util
import secrets
from pathlib import Path
from types import ModuleType
from typing import Any

from eth_account import Account
from web3 import Web3

ROOT = Path(__file__).resolve().parents[2]


def deploy_module() -> ModuleType:
    """devstack/contracts/deploy.py, which is a script rather than an installed package."""
    path = ROOT / "devstack" / "contracts" / "deploy.py"
    spec = importlib.util.spec_from_file_location("pushnode_devstack_deploy", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fresh_wallet(w3: Web3, deploy: Any, push: int = 200) -> str:
    """A new private key with ETH for gas and, on the Core chain, PUSH for channel fees.

    Fresh wallets keep tests independent of whatever channels earlier runs created.
    """
    key = "0x" + secrets.token_hex(32)
    address = Account.from_key(key).address
    deploy.fund(w3, address, 10**20)
    if w3.eth.chain_id == deploy.CORE_CHAIN_ID and push:
        admin = deploy.anvil_private_keys()[0]
        deploy.send_tx(w3, admin, deploy.token(w3).functions.mint(address, push * 10**18))
    return key
