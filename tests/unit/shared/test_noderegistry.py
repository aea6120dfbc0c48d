"""`pushnode node register|remove`: the calls are the NodeRegistry's, sent to the home chain's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from web3 import Web3

from pushnode_shared.infra.noderegistry import RegistrySettings, register_call, remove_call
from pushnode_shared.protocol.chains import LOCAL_CHAINS

ARTIFACT = Path(__file__).resolve().parents[3] / "devstack/contracts/artifacts/NodeRegistry.json"
NODE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def registry_abi() -> Any:
    return Web3().eth.contract(abi=json.loads(ARTIFACT.read_text())["abi"])


def test_the_calls_are_encoded_as_the_registry_abi_encodes_them() -> None:
    contract = registry_abi()
    url = "https://node.example:4100"
    assert "0x" + register_call(url).hex() == contract.encode_abi("register", args=[url])
    assert "0x" + remove_call(NODE).hex() == contract.encode_abi("remove", args=[NODE])


def test_the_home_chain_is_the_one_chain_naming_a_registry(tmp_path: Path) -> None:
    settings = RegistrySettings(PUSHNODE_DATA_DIR=tmp_path)
    assert settings.home() == LOCAL_CHAINS[0]
    assert settings.key().address == settings.key().address  # created on first use, then kept
    assert (tmp_path / "node.key").exists()
    without = RegistrySettings(PUSHNODE_CHAINS=[LOCAL_CHAINS[1]], PUSHNODE_DATA_DIR=tmp_path)
    with pytest.raises(ValueError, match="exactly one"):
        without.home()
