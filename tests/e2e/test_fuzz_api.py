"""Schemathesis fuzzes every operation /openapi.json lists: no 5xx, no answer off its schema.

The schemathesis CLI drives the running node (all its phases: coverage, fuzzing, stateful),
and its NDJSON report is read back to count what was really sent. Bad input has to come back
as a documented 4xx with the gateway's error body; a 5xx or an undocumented status, content
type or body fails the test, with schemathesis' reproduction (curl + seed) in the message.

`positive_data_acceptance` is left out on purpose: the schema says "a string" where the
gateway needs a CAIP-10 address of a followed chain or a signed proof, so schema-valid input
is legitimately refused with a 400.

FUZZ_SEED=<seed> replays a run; FUZZ_REQUESTS raises the floor for a longer soak.

Chat and user routes read their bodies by hand; the schema says they take a JSON object, so
schemathesis sends them objects too. Bodies no generator makes (nested thousands deep, larger
than the edge's limit) go to every write operation from the second test.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import RunningNode
from tests.support.devchain import ROOT

# `make test` sends 2,500 (every operation, about 30 cases each); `make test-reliability` 20,000.
MIN_REQUESTS = int(os.environ.get("FUZZ_REQUESTS", "2500"))
# One fuzzed case per operation brings 1.3 to 1.6 requests over all phases (the coverage and
# stateful phases add theirs; fewer where schemathesis finds few distinct cases); 0.9 per wanted
# request leaves a margin above the 5,000 floor. Larger runs get fewer requests per example
# (operations with few distinct inputs run out of cases; the coverage phase adds a fixed number):
# 0.9 gave 16,355 of 20,000 in the heavy run, so larger floors ask for 1.25.
EXAMPLES_PER_REQUEST = 0.9 if MIN_REQUESTS <= 5000 else 1.25
HTTP_METHODS = {"get", "put", "post", "delete", "patch"}
# A guard against a hung run, not a speed check: schemathesis is CPU-bound, and on two shared
# cores after the 20,000-device test it sent 5,168 requests in 280 s (a guard of 280 s failed
# the whole run); alone it sends about 40 a second. 5 a second is far below any healthy pace.
HANG_GUARD_SECONDS = max(900, MIN_REQUESTS // 5)


def operations_in(schema: dict[str, Any]) -> int:
    return sum(1 for item in schema["paths"].values() for method in item if method in HTTP_METHODS)


def fuzz(node: RunningNode, examples: int, report: Path) -> subprocess.CompletedProcess[str]:
    seed = os.environ.get("FUZZ_SEED")
    command = [
        str(ROOT / ".venv" / "bin" / "st"),
        f"--config-file={Path(__file__).with_name('schemathesis.toml')}",
        "run",
        f"{node.gateway}/openapi.json",
        "--checks=all",
        "--exclude-checks=positive_data_acceptance",
        f"--max-examples={examples}",
        # One worker: schemathesis' coverage phase is not thread-safe (KeyError in its cache).
        "--workers=1",
        "--generation-database=none",
        "--request-timeout=10",
        "--report=ndjson",
        f"--report-ndjson-path={report}",
        "--no-color",
        *([f"--seed={seed}"] if seed else []),
    ]
    return subprocess.run(
        command,
        cwd=report.parent,
        capture_output=True,
        text=True,
        timeout=HANG_GUARD_SECONDS,
        check=False,
    )


def interactions(report: Path) -> list[dict[str, Any]]:
    """Every request schemathesis sent, with the response it got, from its NDJSON events."""
    sent: list[dict[str, Any]] = []
    for line in report.read_text().splitlines():
        event = json.loads(line)
        if "ScenarioFinished" in event:
            sent.extend(event["ScenarioFinished"]["recorder"].get("interactions", {}).values())
    return sent


@pytest.mark.timeout(HANG_GUARD_SECONDS + 60)
def test_fuzzed_requests_get_documented_answers_and_never_a_server_error(
    node: RunningNode, tmp_path: Path
) -> None:
    schema = httpx.get(f"{node.gateway}/openapi.json", timeout=10).json()
    examples = math.ceil(MIN_REQUESTS * EXAMPLES_PER_REQUEST / operations_in(schema))
    report = tmp_path / "schemathesis.ndjson"

    done = fuzz(node, examples, report)

    assert done.returncode == 0, done.stdout[-12_000:] + done.stderr[-4_000:]
    sent = interactions(report)
    statuses = Counter((item.get("response") or {}).get("status_code") for item in sent)
    print(f"schemathesis sent {len(sent)} requests ({examples} examples per operation): {statuses}")
    assert len(sent) >= MIN_REQUESTS, f"only {len(sent)} requests were sent: {statuses}"
    assert not [code for code in statuses if code is None or code >= 500], statuses


HOSTILE_BODIES = {
    "deep": b'{"a": ' + b"[" * 3000 + b"]" * 3000 + b"}",
    "deep inside a field": b'{"userIds": [' + b'{"x":' * 2000 + b"1" + b"}" * 2000 + b"]}",
    "huge": b'{"data": "' + b"a" * 2_100_000 + b'"}',
    "huge array": b'{"recipient": [' + b'"0x1",' * 400_000 + b'"0x1"]}',
}


@pytest.mark.parametrize("kind", sorted(HOSTILE_BODIES))
def test_deep_and_huge_bodies_get_a_4xx_with_a_reason_on_every_write_route(
    node: RunningNode, kind: str
) -> None:
    schema = httpx.get(f"{node.gateway}/openapi.json", timeout=10).json()
    writes = [
        (method, path)
        for path, item in schema["paths"].items()
        for method in item
        if method in {"post", "put", "delete"}
    ]
    assert any(path.startswith("/apis/v1/chat/") for _, path in writes)
    assert any(path.startswith("/apis/v2/users") for _, path in writes)
    answers = {}
    with httpx.Client(base_url=node.gateway, timeout=30) as http:
        for method, path in writes:
            url = path.replace("{", "").replace("}", "")  # any text fills a path parameter
            response = http.request(
                method.upper(),
                url,
                content=HOSTILE_BODIES[kind],
                headers={"content-type": "application/json"},
            )
            answers[f"{method.upper()} {path}"] = response
    wrong = {
        name: (r.status_code, r.text[:200])
        for name, r in answers.items()
        if not 400 <= r.status_code < 500 or "reason" not in r.json().get("error", {})
    }
    assert not wrong, wrong
