"""The provider emulators as fixtures, each serving on a free loopback port in a thread.

Also puts the repo root on sys.path: the devstack/ emulators are not installed in the venv.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from devstack.emulators import apns as apns_emulator  # noqa: E402
from devstack.emulators import fcm as fcm_emulator  # noqa: E402
from devstack.emulators import webpush as webpush_emulator  # noqa: E402
from devstack.emulators.service_account import make_service_account  # noqa: E402
from tests.support.serving import free_socket, hypercorn_serving, uvicorn_serving  # noqa: E402

KEY_ID, TEAM_ID, TOPIC = "EMULATOR01", "PUSHNODE01", "io.pushnode.test"


@pytest.fixture
def web_url() -> Iterator[str]:
    sock, url = free_socket()
    with uvicorn_serving(webpush_emulator.create_app(), sock):
        yield url


@pytest.fixture
def apns_url(tmp_path: Path) -> Iterator[str]:
    key_file = apns_emulator.make_provider_key(tmp_path / "AuthKey.p8")
    app = apns_emulator.create_app(key_file, key_id=KEY_ID, team_id=TEAM_ID, topics=[TOPIC])
    sock, url = free_socket()
    with hypercorn_serving(app, sock, url):
        yield url


@pytest.fixture
def fcm_account(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The FCM emulator's URL and the service account it grants tokens to."""
    sock, url = free_socket()
    account = make_service_account(tmp_path / "service-account.json", token_uri=f"{url}/token")
    with uvicorn_serving(fcm_emulator.create_app(account), sock):
        yield url, account
