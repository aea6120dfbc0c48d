"""The official Push SDKs (restapi 1.7.x, socket 0.5.x, env 'local') work against pushnode.

The channel is made the way the SDK's channel.create does it: its metadata JSON goes to
`POST /apis/v1/ipfs/upload`, and `1+<cid>` is the identity of createChannelWithPUSH on the local
chain. Everything after that is the SDK itself, in tests/sdk/notifications/conformance.js.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import uuid
from pathlib import Path

import httpx
import pytest
from eth_account import Account

from tests.e2e.conftest import RunningNode
from tests.e2e.test_notification_path import CHAIN_ID, RPC, _past, wait_for
from tests.support.devchain import ROOT, deploy_module, fresh_wallet

SDK_DIR = ROOT / "tests" / "sdk"
SCRIPT = SDK_DIR / "notifications" / "conformance.js"


@pytest.fixture(scope="module")
def node_binary() -> str:
    found = shutil.which("node")
    if found is None or not (SDK_DIR / "node_modules" / "@pushprotocol" / "restapi").is_dir():
        pytest.fail("node and tests/sdk/node_modules are needed: run `make install`")
    return found


async def test_the_official_sdk_sends_reads_opts_in_and_out_and_listens(
    node: RunningNode, node_binary: str
) -> None:
    deploy = deploy_module()
    w3 = deploy.connect(RPC, CHAIN_ID)
    channel_key, delegate_key = fresh_wallet(w3, deploy), fresh_wallet(w3, deploy, push=0)
    channel = Account.from_key(channel_key).address
    name = f"SDK conformance {uuid.uuid4().hex[:8]}"
    metadata = {
        "name": name,
        "info": "A channel the official SDK talks to",
        "url": "https://push.org",
        "icon": "data:image/png;base64,iVBORw0KGgo=",
        "aliasDetails": {},
        "tags": [],
    }
    async with httpx.AsyncClient(timeout=10) as http:
        upload = await http.post(
            f"{node.gateway}/apis/v1/ipfs/upload", json={"data": json.dumps(metadata)}
        )
        assert upload.status_code == 200, upload.text
        deploy.create_channel(w3, channel_key, f"1+{upload.json()['cid']}".encode())
        # A delegate, allowed on Comm: the SDK will send on the channel's behalf with its key.
        receipt = deploy.add_delegate(w3, channel_key, Account.from_key(delegate_key).address)
        await wait_for("the channel on the log", lambda: _past(http, node, receipt["blockNumber"]))

        async def channel_named() -> bool:
            response = await http.get(
                f"{node.gateway}/apis/v1/channels/eip155:{CHAIN_ID}:{channel}"
            )
            return response.status_code == 200 and response.json()["name"] == name

        await wait_for("the channel with its metadata", channel_named)

    inputs = {"channelKey": channel_key, "delegateKey": delegate_key, "channelName": name}
    stdout, stderr, returncode = await run_script(node_binary, inputs)
    lines = stdout.splitlines()
    result = json.loads(next(line for line in reversed(lines) if line.startswith("RESULT "))[7:])
    failed = [c for c in result["checks"] if not c["ok"]]
    report = "\n".join(line for line in lines if not line.startswith("RESULT "))
    print(report)  # the checks one by one: shown with -s, or -rP
    assert result["unserved"] == [], f"SDK calls pushnode does not serve: {result['unserved']}"
    assert failed == [], f"{report}\n{stderr[-3000:]}"
    assert returncode == 0


async def run_script(
    node_binary: str, inputs: dict[str, str], script: Path = SCRIPT
) -> tuple[str, str, int | None]:
    """An SDK script (conformance.js) with its input in the environment; stdout, stderr and
    the exit code."""
    env = dict(os.environ, PUSHNODE_SDK_INPUT=json.dumps(inputs))
    process = await asyncio.create_subprocess_exec(
        node_binary,
        str(script),
        cwd=SDK_DIR,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout=240)
    except TimeoutError:
        process.kill()
        raise
    return out.decode(), err.decode(), process.returncode


async def test_what_the_sdk_uploads_for_a_channel_is_served_back_from_ipfs(
    node: RunningNode,
) -> None:
    data = json.dumps({"name": f"upload {uuid.uuid4().hex}", "info": "i", "url": "u", "icon": ""})
    async with httpx.AsyncClient(timeout=10) as http:
        upload = await http.post(f"{node.gateway}/apis/v1/ipfs/upload", json={"data": data})
        cid = upload.json()["cid"]

        async def served() -> httpx.Response | None:
            response = await http.get(f"{node.gateway}/apis/v1/ipfs/{cid}")
            return response if response.status_code == 200 else None

        response = await wait_for("storage to put the upload into kubo", served)
    assert response.content == data.encode()
