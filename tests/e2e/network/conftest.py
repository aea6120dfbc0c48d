"""Three nodes and a forging peer for the network tests, on the test stack.

Each node is a whole pushnode (five services, its own database, Kafka topics and node key)
started by devstack/bin/network with ports shifted by 100 from the e2e node's (gateways on
:4100, :4200, :4300). A fourth, fake peer run here serves whatever records a test gives it:
every node lists it among its peers, so it can forge. Nodes 1 and 3 reach each other through a
TCP proxy here, so a test can cut that one link.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from pushnode_shared.protocol.network.keys import NodeKey
from pushnode_shared.protocol.network.records import NodeRecord
from tests.e2e.network.proxy import LinkProxy
from tests.support.commands import run_command
from tests.support.devchain import ROOT

NODES = 3
FORGER_PORT = 4990


@dataclass
class Forger:
    """A peer the test drives: its key and the records it serves (per asking node, or all)."""

    key: NodeKey
    records: list[NodeRecord] = field(default_factory=list)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/apis/v1/node/frontier")
        def frontier() -> dict[str, Any]:
            if not self.records:
                return {"frontier": {}}
            top = self.records[-1]
            return {"frontier": {top.origin: {"seq": top.seq, "hash": top.hash}}}

        @app.get("/apis/v1/node/records")
        def records(origin: str, after: int = 0, limit: int = 256) -> dict[str, Any]:
            held = [r for r in self.records if r.origin == origin and r.seq > after]
            return {"records": [r.model_dump() for r in held[:limit]]}

        @app.get("/apis/v1/node/evidence")
        def evidence() -> dict[str, Any]:
            return {"evidence": []}

        return app


@dataclass(frozen=True)
class Network:
    """The running nodes: gateways by number, and the script that starts and stops them."""

    env: dict[str, str]
    var: Path
    forger: Forger
    link_1_3: LinkProxy  # nodes 1 and 3 reach each other only through it

    def gateway(self, i: int) -> str:
        return f"http://127.0.0.1:{4000 + 100 * i}"

    def service(self, i: int, name: str) -> str:
        port = {"listener": 11, "validator": 12, "storage": 13, "dispatcher": 14}[name]
        return f"http://127.0.0.1:{4000 + 100 * i + port}"

    def script(self, *args: str) -> None:
        run_command(ROOT / "devstack" / "bin" / "network", args, self.env, timeout=600)


def serve(app: FastAPI, port: int = FORGER_PORT) -> uvicorn.Server:
    """Run a fake peer's app on `port` in a thread (stop it with `should_exit = True`)."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.1)
    return server


@pytest.fixture(scope="package")  # one network for every module here
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    run = uuid.uuid4().hex[:8]
    forger = Forger(NodeKey.generate())
    var = tmp_path_factory.mktemp("network")
    env = dict(os.environ)
    extra = f'[{{"url": "http://127.0.0.1:{FORGER_PORT}", "address": "{forger.key.address}"}}]'
    env.update(
        PUSHNODE_NETWORK_VAR=str(var),
        PUSHNODE_NETWORK_BASE_OFFSET="100",
        PUSHNODE_NETWORK_TOPIC_PREFIX=f"n{run}-",
        PUSHNODE_NETWORK_DB_PREFIX=f"pushnode_net_{run}",
        PUSHNODE_NETWORK_EXTRA_PEERS=extra,
        PUSHNODE_NETWORK_PROXIED="1:3",
        LOG_LEVEL="INFO",
    )
    server = serve(forger.app())
    link = LinkProxy({4100 + 90: 4100, 4300 + 90: 4300})  # devstack/bin/network: gateway + 90
    running = Network(env=env, var=var, forger=forger, link_1_3=link)
    try:
        running.script("up", str(NODES))
    except subprocess.CalledProcessError as exc:
        running.script("down")
        pytest.fail(f"network did not come up:\n{exc.stderr[-4000:]}")
    except BaseException:  # a timeout while starting: leave no node running
        running.script("down")
        raise
    yield running
    running.script("down")
    server.should_exit = True


def feeds_url(network: Network, i: int, caip: str) -> str:
    return f"{network.gateway(i)}/apis/v1/users/{caip}/feeds"


async def state_hash(http: httpx.AsyncClient, network: Network, i: int) -> dict[str, Any]:
    answer = await http.get(f"{network.gateway(i)}/apis/v1/node/state-hash")
    assert answer.status_code == 200, answer.text
    return dict(answer.json())
