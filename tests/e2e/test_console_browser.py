"""The console in a real browser: Debian's chromium, driven by tests/browser/check_console.js.

It opens http://localhost:4000/ against the running node, sees every service green, watches the
demo subscriber's inbox, posts a signed notification through the API and sees it arrive over
socket.io, presses the dev-mode test button, and leaves a screenshot in var/console/.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import shutil
import subprocess
import time
import uuid
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import RunningNode
from tests.support.devchain import ROOT

SCRIPT = ROOT / "tests" / "browser" / "check_console.js"
SCREENSHOT = ROOT / "var" / "console" / "screenshot.png"
CHROMIUM = Path("/usr/bin/chromium")
SERVICES = sorted(ep.name for ep in entry_points(group="pushnode.services"))


def demo_module() -> ModuleType:
    """devstack/demo.py: the channel and subscriber `make up` creates, and its signed send."""
    path = ROOT / "devstack" / "demo.py"
    spec = importlib.util.spec_from_file_location("pushnode_devstack_demo", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def wait_until_subscribed(node: RunningNode, channel: str, user: str) -> None:
    """The gateway has read the on-chain subscription (so the notification lands in the inbox)."""
    url = f"{node.gateway}/apis/v1/channels/{channel}/subscribers"
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient(timeout=10) as http:
        while time.monotonic() < deadline:
            response = await http.get(url, params={"limit": 50})
            if response.status_code == 200:
                found = {
                    s["subscriber"].split(":")[-1].lower() for s in response.json()["subscribers"]
                }
                if user.lower() in found:
                    return
            await asyncio.sleep(0.5)
    raise AssertionError(f"{user} never showed up as a subscriber of {channel}")


def run_browser(node: RunningNode, address: str, body: dict[str, Any], tmp: Path) -> dict[str, Any]:
    if not CHROMIUM.exists() or not (SCRIPT.parent / "node_modules").exists():
        pytest.fail("chromium or tests/browser missing: `make install` installs both")
    payload = tmp / "payload.json"
    payload.write_text(json.dumps(body))
    shot = tmp / "console.png"
    env = {
        "PATH": node.env.get("PATH", ""),
        "HOME": node.env.get("HOME", "/tmp"),
        "CONSOLE_URL": "http://localhost:4000/",
        "ADDRESS": address,
        "PAYLOAD_FILE": str(payload),
        "SCREENSHOT": str(shot),
        "EXPECTED_SERVICES": str(len(SERVICES)),
    }
    done = subprocess.run(
        ["node", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=180
    )
    seen: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1]) if done.stdout else {}
    assert done.returncode == 0, f"{seen.get('error')}\n{done.stderr[-3000:]}"
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, SCREENSHOT)
    return seen


async def test_the_console_shows_a_green_node_and_a_notification_arriving_live(
    node: RunningNode, tmp_path: Path
) -> None:
    demo = demo_module()
    channel_key, user_key = demo.deploy.anvil_private_keys()[1:3]
    channel, user = demo.deploy.address_of(channel_key), demo.deploy.address_of(user_key)
    demo.setup()
    await wait_until_subscribed(node, channel, user)
    title = f"Console check {uuid.uuid4().hex[:8]}"
    body = demo.signed_notification(title, "posted through the API while the page watched")

    seen = await asyncio.to_thread(run_browser, node, f"eip155:11155111:{user}", body, tmp_path)

    assert sorted(s["name"] for s in seen["services"]) == SERVICES
    assert all(s["ready"] for s in seen["services"])
    assert dict(seen["chains"]) == {"11155111": "synced", "80002": "synced"}
    assert seen["post_status"] == 204
    assert title in seen["inbox"] and title not in seen["spam"]
    assert "Test from the console" in seen["inbox"]
    assert seen["delivery"]  # a provider status, "no devices", or "—" before deliveries exist
    assert "NotificationAccepted" in seen["decisions"]
    assert dict(seen["topics"])["protocol-decisions"] > 0
    assert seen["page_errors"] == []
    assert SCREENSHOT.stat().st_size > 20_000
