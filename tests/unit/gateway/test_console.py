"""The console: its page and status endpoint when on, nothing when off, the test send in dev."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_account import Account

from pushnode_gateway.app import create_app
from pushnode_gateway.config import Settings
from pushnode_gateway.node.adapters.probe import LogReader, readyz_bodies
from pushnode_gateway.node.routes.status import StatusSource
from pushnode_gateway.sockets.server import FeedSockets
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.infra.runtime import Readiness
from pushnode_shared.protocol.chains import LOCAL_CHAINS
from pushnode_shared.protocol.signatures import recover_data_signer
from pushnode_shared.protocol.topics import PROTOCOL_DECISIONS, PROTOCOL_INPUTS, Topic
from pushnode_shared.testing import InMemoryProducer
from tests.support.envelopes import raw_envelope

REPO = Path(__file__).resolve().parents[3]
READY_LISTENER = {
    "ready": True,
    "version": "0.1.0",
    "checks": {
        "database": "ok: reachable",
        "consumer:listener-cursors": "ok: lag 0",
        "chain:11155111": "ok: cursor 41, safe head 42",
        "chain:80002": "failing: halted: RPC http://k@rpc.example/SECRET is chain 1, not 80002",
    },
}
STORAGE_DOWN = {"ready": False, "checks": {"ipfs": "failing: OSError('10.0.0.7 refused')"}}


def decision(kind: str, at: int, **payload: Any) -> Envelope:
    when = datetime.fromtimestamp(at, UTC)
    return raw_envelope(
        kind, payload, event_id=f"e{at}", key="0xchannel", producer="validator", at=when
    )


class FakeLog:
    async def sample(
        self, tail_of: Topic, per_partition: int
    ) -> tuple[dict[str, list[int]], list[Envelope]]:
        assert tail_of.name == "protocol-decisions"
        tail = [
            decision(
                "NotificationAccepted",
                100,
                notification_id="n1",
                recipients=[{"address": "0xa", "spam": False}, {"address": "0xb", "spam": True}],
            ),
            decision(
                "NotificationRejected",
                200,
                notification_id="n2",
                reason="BAD_SIGNATURE",
                detail="signer 0xabc is not the channel",
            ),
        ]
        return {"protocol-decisions": [3, 0, 4]}, tail


async def fake_probe(urls: dict[str, str]) -> dict[str, dict[str, Any] | None]:
    answers: dict[str, dict[str, Any] | None] = {
        "listener": READY_LISTENER,
        "storage": STORAGE_DOWN,
    }
    return {name: answers.get(name) for name in urls}


@pytest.fixture
def demo_key(anvil_keys: tuple[str, ...]) -> str:
    return anvil_keys[1]


async def console_client(
    settings: Settings, producer: InMemoryProducer, database: Database
) -> httpx.AsyncClient:
    app = create_app(settings, producer, database, FeedSockets(), Readiness())
    api: Any = app.other_asgi_app
    if settings.console:
        source = StatusSource(settings, Readiness(), settings.console_demo_key is not None)
        source.probe, source.log = fake_probe, FakeLog()
        api.state.status_source = source
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway")


@pytest.fixture
async def console(
    tmp_path: Path, producer: InMemoryProducer, database: Database, demo_key: str
) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(PUSHNODE_DATA_DIR=tmp_path, console_demo_key=demo_key)  # type: ignore[call-arg]
    async with await console_client(settings, producer, database) as client:
        yield client


class TestThePage:
    async def test_the_root_serves_the_console_page_with_its_local_socket_client(
        self, console: httpx.AsyncClient
    ) -> None:
        page = await console.get("/")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert '<script src="/console/socket.io.min.js">' in page.text
        script = await console.get("/console/socket.io.min.js")
        assert script.status_code == 200 and "Socket.IO v4.8.4" in script.text
        assert (await console.get("/console/console.js")).status_code == 200

    async def test_the_page_loads_nothing_from_outside_the_node(self) -> None:
        assets = REPO / "services/gateway/src/pushnode_gateway/console"
        for name in ("index.html", "console.js", "console.css"):
            text = (assets / name).read_text()
            assert "http://" not in text and "https://" not in text, name

    async def test_an_unknown_api_path_still_gets_the_api_404(
        self, console: httpx.AsyncClient
    ) -> None:
        response = await console.post("/apis/v1/nothing-here")
        assert response.status_code == 404


class TestStatus:
    async def test_status_lists_every_service_with_readiness_and_version(
        self, console: httpx.AsyncClient
    ) -> None:
        status = (await console.get("/apis/v1/node/status")).json()
        services = {s["name"]: s for s in status["services"]}
        assert sorted(services) == ["dispatcher", "gateway", "listener", "storage", "validator"]
        assert services["listener"]["ready"] and services["listener"]["version"] == "0.1.0"
        assert not services["storage"]["ready"] and services["storage"]["reachable"]
        assert not services["validator"]["reachable"]
        assert services["gateway"]["ready"]  # its own checks (none here) pass

    async def test_chains_show_heights_and_a_halt_without_the_rpc_url(
        self, console: httpx.AsyncClient
    ) -> None:
        chains = {
            c["chain_id"]: c for c in (await console.get("/apis/v1/node/status")).json()["chains"]
        }
        assert chains[11155111] == {
            "chain_id": 11155111,
            "state": "synced",
            "ok": True,
            "cursor": 41,
            "safe_head": 42,
            "head": 42,
            "confirmations": 0,
            "halted": None,
        }
        assert chains[80002]["state"] == "halted"
        assert chains[80002]["halted"] == "RPC <url> is chain 1, not 80002"

    async def test_lags_topics_and_decisions_are_summaries_without_addresses_or_detail(
        self, console: httpx.AsyncClient
    ) -> None:
        response = await console.get("/apis/v1/node/status")
        status = response.json()
        assert status["consumers"] == [
            {"name": "listener-cursors", "service": "listener", "ok": True, "lag": 0}
        ]
        assert status["topics"] == [
            {"name": "protocol-decisions", "end_offsets": [3, 0, 4], "total": 7}
        ]
        rejected, accepted = status["decisions"]
        assert (rejected["type"], rejected["reason"]) == ("NotificationRejected", "BAD_SIGNATURE")
        assert (accepted["notification_id"], accepted["recipients"]) == ("n1", 2)
        for hidden in ("0xabc", "10.0.0.7", "SECRET", "0xb"):
            assert hidden not in response.text
        assert status["dev_mode"] is True


class TestSwitchedOff:
    async def test_with_the_console_off_there_is_no_page_and_no_status(
        self, tmp_path: Path, producer: InMemoryProducer, database: Database, demo_key: str
    ) -> None:
        settings = Settings(  # type: ignore[call-arg]
            PUSHNODE_DATA_DIR=tmp_path, console=False, console_demo_key=demo_key
        )
        async with await console_client(settings, producer, database) as client:
            assert (await client.get("/")).status_code == 404
            assert (await client.get("/apis/v1/node/status")).status_code == 404
            assert (await client.get("/console/console.js")).status_code == 404
            recipient = {"recipient": "eip155:11155111:" + "0x" + "11" * 20}
            sent = await client.post("/apis/v1/node/test-notification", json=recipient)
            assert sent.status_code == 404


class TestTestSend:
    async def test_dev_mode_signs_as_the_demo_channel_and_submits_like_the_sdk(
        self, console: httpx.AsyncClient, producer: InMemoryProducer, demo_key: str
    ) -> None:
        wallet = Account.create().address
        response = await console.post(
            "/apis/v1/node/test-notification", json={"recipient": f"eip155:11155111:{wallet}"}
        )
        assert response.status_code == 204, response.text
        [envelope] = producer.on(PROTOCOL_INPUTS)
        channel = Account.from_key(demo_key).address
        assert envelope.type == "NotificationSubmitted" and envelope.key == channel.lower()
        submitted = envelope.payload
        assert submitted["recipient"] == f"eip155:11155111:{wallet}"
        signature = submitted["verification_proof"].removeprefix("eip712v2:").split("::")[0]
        chain = LOCAL_CHAINS[0]
        signer = recover_data_signer(submitted["identity"], chain.chain_id, chain.comm, signature)
        assert signer.lower() == channel.lower()

    async def test_a_bad_recipient_is_a_400_with_a_reason(
        self, console: httpx.AsyncClient, producer: InMemoryProducer
    ) -> None:
        response = await console.post("/apis/v1/node/test-notification", json={"recipient": "x"})
        assert response.status_code == 400
        assert response.json()["error"]["reason"] == "BAD_ADDRESS"
        assert producer.on(PROTOCOL_INPUTS) == []

    async def test_without_a_demo_key_the_test_send_is_not_mounted(
        self, tmp_path: Path, producer: InMemoryProducer, database: Database
    ) -> None:
        settings = Settings(PUSHNODE_DATA_DIR=tmp_path)  # type: ignore[call-arg]
        async with await console_client(settings, producer, database) as client:
            recipient = {"recipient": "eip155:11155111:" + "0x" + "11" * 20}
            sent = await client.post("/apis/v1/node/test-notification", json=recipient)
            assert sent.status_code == 404
            assert (await client.get("/apis/v1/node/status")).json()["dev_mode"] is False


class TestDevSetup:
    def test_make_up_gives_the_gateway_the_demo_channels_key(self, demo_key: str) -> None:
        script = (REPO / "devstack/bin/node").read_text()
        assert f'GATEWAY_CONSOLE_DEMO_KEY="${{GATEWAY_CONSOLE_DEMO_KEY:-{demo_key}}}"' in script

    def test_the_served_socket_client_is_the_npm_package_file(self) -> None:
        installed = REPO / "tests/browser/node_modules/socket.io-client/dist/socket.io.min.js"
        if not installed.exists():
            pytest.skip("tests/browser not installed (make install runs npm ci there)")
        served = REPO / "services/gateway/src/pushnode_gateway/console/socket.io.min.js"
        assert served.read_bytes() == installed.read_bytes()


class TestProbesOfANodeThatIsDown:
    async def test_a_service_that_does_not_answer_reads_as_no_body(self) -> None:
        bodies = await readyz_bodies({"listener": "http://127.0.0.1:1"})
        assert bodies == {"listener": None}

    async def test_an_unreachable_broker_gives_an_empty_sample_not_an_error(self) -> None:
        offsets, tail = await LogReader("127.0.0.1:1").sample(PROTOCOL_DECISIONS, per_partition=5)
        assert (offsets, tail) == ({}, [])
