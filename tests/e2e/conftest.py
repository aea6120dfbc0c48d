"""The whole node for end-to-end tests: services started against the real dev stack.

The dev stack (Kafka, PostgreSQL, kubo, anvil) must already run, as `make test` arranges.
Each session gets its own PostgreSQL database, so projections start empty, and each service
logs in to it as its own role (devstack/postgres/roles.sql), as in production.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.support.commands import run_command
from tests.support.devchain import ROOT

if str(ROOT) not in sys.path:  # devstack/ is not installed in the venv
    sys.path.insert(0, str(ROOT))

from devstack.postgres import roles

# What a delivery node presents to open a delivery-mode socket (GATEWAY_DELIVERY_SOCKET_TOKEN).
DELIVERY_TOKEN = "e2e-delivery-node-token"
PG_ADMIN = os.environ.get(
    "PUSHNODE_PG_ADMIN", "postgresql://pushnode:pushnode@127.0.0.1:55432/pushnode"
)


@dataclass(frozen=True)
class RunningNode:
    """URLs and paths of the node under test."""

    var: Path
    env: dict[str, str]
    gateway: str = "http://127.0.0.1:4000"
    fcm: str = "http://127.0.0.1:4020"
    apns: str = "http://127.0.0.1:4030"
    webpush: str = "http://127.0.0.1:4040"

    def metrics_url(self, service: str) -> str:
        """The internal port that serves a service's /metrics (its HTTP port + 5400)."""
        ports = {"gateway": 9400, "listener": 9411, "validator": 9412}
        ports |= {"storage": 9413, "dispatcher": 9414}
        return f"http://127.0.0.1:{ports[service]}"

    def service_url(self, service: str) -> str:
        ports = {"listener": 4011, "validator": 4012, "storage": 4013, "dispatcher": 4014}
        return self.gateway if service == "gateway" else f"http://127.0.0.1:{ports[service]}"

    def script(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run_command(ROOT / "devstack" / "bin" / "node", args, self.env)

    def pushnode(self, *args: str) -> str:
        return run_command(ROOT / ".venv" / "bin" / "pushnode", args, self.env).stdout.strip()


def _create_database(name: str) -> dict[str, str]:
    """A new database with a role per service in it, as production has; the services' URLs."""
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    owner = f"postgresql+asyncpg://pushnode:pushnode@127.0.0.1:55432/{name}"
    roles.ensure_roles(owner)
    return {"DATABASE_URL": owner, **roles.service_urls(owner)}


@pytest.fixture(scope="session")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningNode]:
    databases = _create_database(f"pushnode_e2e_{uuid.uuid4().hex[:8]}")
    var = tmp_path_factory.mktemp("node-var")
    env = dict(os.environ) | databases
    env.update(
        PUSHNODE_VAR=str(var),
        LOG_LEVEL="INFO",
        # The whole suite writes from one IP and a few wallets, far faster than a public
        # client may (tests/security holds the limits to their defaults).
        GATEWAY_RATE_LIMIT_IP="100000/minute",
        GATEWAY_RATE_LIMIT_WALLET="100000/minute",
        GATEWAY_MAX_SOCKETS_PER_IP="100000",
        GATEWAY_DELIVERY_SOCKET_TOKEN=DELIVERY_TOKEN,
        # A network of one: the listener records its own inputs on node-records, so the
        # node API and the gateway's network projection have something to serve and replay.
        PUSHNODE_NETWORK="true",
    )
    running = RunningNode(var=var, env=env)
    try:
        running.script("up")
    except subprocess.CalledProcessError as exc:
        pytest.fail(f"node did not come up:\n{exc.stderr[-4000:]}")
    yield running
    running.script("down")


@pytest.fixture(autouse=True)
def reset_emulators(request: pytest.FixtureRequest) -> Iterator[None]:
    """After each test on the node, the push emulators drop queued faults and release holds,
    so a test that failed half-way never leaves its fault for the next one's pushes."""
    yield
    if "node" not in request.fixturenames:
        return
    running: RunningNode = request.getfixturevalue("node")
    for emulator in (running.fcm, running.apns, running.webpush):
        response = httpx.post(emulator + "/_emulator/reset", timeout=10)
        assert response.status_code == 200, f"{emulator}: {response.text}"
