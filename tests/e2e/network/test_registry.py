"""A node joins by registering on chain: the others pull its records though no one configured it."""

from __future__ import annotations

import os
import subprocess
from typing import Any

import httpx
import pytest

from pushnode_shared.infra.ipfs import cid_of
from pushnode_shared.protocol.network.inputs import encode_input
from pushnode_shared.protocol.network.keys import NodeKey
from pushnode_shared.protocol.network.origin import OriginWriter
from tests.e2e.network.conftest import NODES, Forger, Network, serve
from tests.e2e.network.test_network import CHAIN_ID, RPC, wait_for
from tests.support.devchain import ROOT, deploy_module

JOINER_PORT = 4991
# Run alone, this module starts the three nodes (the fixture is the package's, shared).
pytestmark = pytest.mark.timeout(1200)


async def _frontier(http: httpx.AsyncClient, network: Network, i: int) -> dict[str, Any]:
    answer = await http.get(f"{network.gateway(i)}/apis/v1/node/state-hash")
    return dict(answer.json()["frontier"]) if answer.status_code == 200 else {}


async def _peer_ids(http: httpx.AsyncClient, network: Network, i: int) -> set[str]:
    answer = await http.get(f"{network.gateway(i)}/apis/v1/node/peers")
    return {p["nodeId"] for p in answer.json()["peers"]}


def _register(key_file: str, url: str) -> None:
    env = dict(os.environ, PUSHNODE_NODE_KEY_FILE=key_file)
    command = [str(ROOT / ".venv" / "bin" / "pushnode"), "node", "register", "--url", url]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


async def test_a_node_known_only_from_the_registry_is_pulled_from_and_dropped_once_removed(
    network: Network, tmp_path: Any
) -> None:
    joiner = Forger(NodeKey.generate())  # an honest peer: it serves only its own record
    text = f"joined {joiner.key.address}"
    data, _ = encode_input("ContentUploaded", {"cid": cid_of(text.encode()), "data": text})
    joiner.records = [OriginWriter(joiner.key).record("ContentUploaded", data, received_at=1)]
    key_file = tmp_path / "joiner.key"
    key_file.write_text(joiner.key.secret_hex())
    server = serve(joiner.app(), JOINER_PORT)
    deploy = deploy_module()
    w3 = deploy.connect(RPC, CHAIN_ID)
    deploy.fund(w3, joiner.key.address, 10**20)
    origin = joiner.key.address
    try:
        _register(str(key_file), f"http://127.0.0.1:{JOINER_PORT}")
        async with httpx.AsyncClient(timeout=10) as http:
            for i in range(1, NODES + 1):

                async def pulled(i: int = i) -> bool:
                    return (await _frontier(http, network, i)).get(origin) == 1

                await wait_for(f"node {i} pulling the registered node", pulled)
            deploy.remove_node(w3, "0x" + joiner.key.secret_hex(), origin)

            async def dropped() -> bool:
                return origin not in await _peer_ids(http, network, 1)

            await wait_for("node 1 dropping the removed node", dropped)
    finally:
        server.should_exit = True
