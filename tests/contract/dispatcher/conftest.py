"""The provider emulators as fixtures, each serving on a free loopback port in a thread.

Also puts the repo root on sys.path: the devstack/ emulators are not installed in the venv.
"""

from __future__ import annotations

import asyncio
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from hypercorn.asyncio import serve
from hypercorn.config import Config

REPO_ROOT = Path(__file__).resolve().parents[3]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from devstack.emulators import apns as apns_emulator  # noqa: E402
from devstack.emulators import fcm as fcm_emulator  # noqa: E402
from devstack.emulators import webpush as webpush_emulator  # noqa: E402
from devstack.emulators.service_account import make_service_account  # noqa: E402

KEY_ID, TEAM_ID, TOPIC = "EMULATOR01", "PUSHNODE01", "io.pushnode.test"


def free_socket() -> tuple[socket.socket, str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock, f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture
def web_url() -> Iterator[str]:
    sock, url = free_socket()
    app = webpush_emulator.create_app()
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", ws="none"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "emulator did not start"
        time.sleep(0.01)
    yield url
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture
def apns_url(tmp_path: Path) -> Iterator[str]:
    key_file = apns_emulator.make_provider_key(tmp_path / "AuthKey.p8")
    app = apns_emulator.create_app(key_file, key_id=KEY_ID, team_id=TEAM_ID, topics=[TOPIC])
    sock, url = free_socket()
    sock.listen(128)
    config = Config()
    config.bind = [f"fd://{sock.detach()}"]
    running: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []

    async def run() -> None:
        stop = asyncio.Event()
        running.append((asyncio.get_running_loop(), stop))
        await serve(app, config, shutdown_trigger=stop.wait)  # type: ignore[arg-type]

    thread = threading.Thread(target=asyncio.run, args=(run(),), daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not running or not _up(url):
        assert time.monotonic() < deadline, "emulator did not start"
        time.sleep(0.05)
    yield url
    loop, stop = running[0]
    loop.call_soon_threadsafe(stop.set)
    thread.join(timeout=10)


def _up(url: str) -> bool:
    try:
        return httpx.get(f"{url}/_emulator/healthz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


@pytest.fixture
def fcm_account(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The FCM emulator's URL and the service account it grants tokens to."""
    sock, url = free_socket()
    account = make_service_account(tmp_path / "service-account.json", token_uri=f"{url}/token")
    app = fcm_emulator.create_app(account)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", ws="none"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "emulator did not start"
        time.sleep(0.01)
    yield url, account
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()
