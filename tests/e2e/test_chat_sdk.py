"""Push Chat with the official SDK (@pushprotocol/restapi 1.7.32, env 'local') against the node.

tests/sdk/chat/conformance.js drives two wallets through PushAPI.initialize, a request, its
acceptance, an encrypted exchange and both histories, chat info and a send by chatId, a third
wallet without keys, and four refusals; it prints what it saw, and these tests check it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest

from tests.e2e.conftest import RunningNode
from tests.support.devchain import ROOT

SCRIPT = ROOT / "tests" / "sdk" / "chat" / "conformance.js"


@pytest.fixture(scope="module")
def seen(node: RunningNode) -> dict[str, Any]:
    node_js = shutil.which("node")
    assert node_js, "node is needed for the SDK conformance test"
    done = subprocess.run(
        [node_js, str(SCRIPT)],
        cwd=SCRIPT.parent,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert done.returncode == 0 and lines, f"SDK script failed:\n{done.stderr[-4000:]}"
    return dict(json.loads(lines[-1].removeprefix("RESULT ")))


def test_the_receiver_lists_the_request_and_decrypts_it(seen: dict[str, Any]) -> None:
    assert seen["request"]["encType"] == "pgp" and seen["request"]["cid"].startswith("bafkrei")
    assert seen["request"]["link"] is None
    assert seen["bobRequests"] == [{"did": seen["alice"], "content": "hello bob"}]


def test_each_message_links_to_the_previous_cid(seen: dict[str, Any]) -> None:
    assert seen["links"] == [None, True, True]


def test_both_sides_read_the_decrypted_history_newest_first(seen: dict[str, Any]) -> None:
    expected = [
        {"from": seen["alice"], "content": "how are you?", "encType": "pgp"},
        {"from": seen["bob"], "content": "hi alice", "encType": "pgp"},
        {"from": seen["alice"], "content": "hello bob", "encType": "pgp"},
    ]
    assert seen["aliceHistory"] == expected
    assert seen["bobHistory"] == expected
    assert seen["bob"] in seen["aliceChats"]


def test_chat_info_names_the_peer_and_a_send_by_chat_id_reaches_it(seen: dict[str, Any]) -> None:
    assert seen["info"] == {"group": False, "list": "CHATS", "recipient": seen["bob"]}
    assert seen["byChatId"] == {"to": seen["bob"], "linksToThird": True}


def test_a_wallet_without_keys_gets_plaintext(seen: dict[str, Any]) -> None:
    assert seen["carol"]["encType"] == "PlainText"
    assert seen["carol"]["requestMsg"] == [{"content": "hello carol"}]


def test_the_receivers_chat_socket_gets_chats_events(seen: dict[str, Any]) -> None:
    categories = [e["category"] for e in seen["bobSocket"]]
    assert categories[:4] == ["Request", "Approve", "Chat", "Chat"]
    assert seen["bobSocket"][0]["cid"] == seen["request"]["cid"]


@pytest.mark.parametrize(
    ("label", "status", "reason"),
    [
        ("forged PGP signature", 403, "INVALID_SIGNATURE"),
        ("message from a non-participant", 403, "NOT_A_PARTICIPANT"),
        ("accept by the wrong party", 403, "NOT_REQUEST_RECEIVER"),
        ("oversized message", 413, "MESSAGE_TOO_LARGE"),
    ],
)
def test_bad_input_is_refused_with_a_reason(
    seen: dict[str, Any], label: str, status: int, reason: str
) -> None:
    refusal = next(r for r in seen["refusals"] if r["label"] == label)
    assert refusal == {"label": label, "refused": True, "status": status, "reason": reason}
