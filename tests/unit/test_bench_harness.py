"""make bench's harness: progress while a scenario runs, and the table's rows in latest.json."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

import pytest

from tests.bench import harness


async def slow_scenario(_: argparse.Namespace) -> list[harness.Row]:
    harness.report("3/10 on the socket")
    await asyncio.sleep(0.25)
    return [harness.Row("demo", "rate", 500.0, "notif/s", ">= 1,000", 2_000.0)]


async def test_a_running_scenario_shows_its_progress_and_its_rows_are_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(harness, "PROGRESS_EVERY", 0.1)
    args = argparse.Namespace(scenario=None)
    rows = await harness.run({"demo": slow_scenario}, args)
    harness.print_table(rows)
    harness.write_json(rows, tmp_path / "latest.json")

    out, err = capsys.readouterr()
    assert "[bench] demo: 3/10 on the socket" in err
    assert "[bench] demo: done" in err
    header = out.splitlines()[0].split()
    assert header == ["scenario", "figure", "value", "unit", "target", "ceiling", "ratio"]
    [row] = json.loads((tmp_path / "latest.json").read_text())["rows"]
    assert row["ratio"] == pytest.approx(0.25)
    assert (row["scenario"], row["unit"], row["target"]) == ("demo", "notif/s", ">= 1,000")


async def broken_scenario(_: argparse.Namespace) -> list[harness.Row]:
    raise ConnectionRefusedError("emulator away")


async def test_a_failing_scenario_is_a_failed_row_and_the_next_one_still_runs() -> None:
    args = argparse.Namespace(scenario=None)
    rows = await harness.run({"broken": broken_scenario, "demo": slow_scenario}, args)
    assert [r.scenario for r in rows] == ["broken", "demo"]
    assert rows[0].figure.startswith("FAILED: ConnectionRefusedError")
