"""Runs scenarios, prints the table, writes var/bench/latest.json.

Each scenario returns rows: (scenario, figure, value, unit, target, ceiling). A ceiling is a
figure measured in the same run on the same machine (the fastest the parts underneath can go),
so a noisy shared machine moves figure and ceiling together and the ratio stays meaningful.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Row:
    """One measured figure."""

    scenario: str
    figure: str
    value: float
    unit: str
    target: str
    ceiling: float | None

    @property
    def ratio(self) -> float | None:
        """value / ceiling, when there is a ceiling."""
        return None if not self.ceiling else self.value / self.ceiling


Scenario = Callable[[argparse.Namespace], Awaitable[list[Row]]]
# How often the running scenario's progress line is printed (seconds).
PROGRESS_EVERY = 5.0
_progress: dict[str, str] = {}


def report(status: str) -> None:
    """A scenario's latest count ("1,200/2,000 on the socket"); the progress line shows it."""
    _progress["status"] = status


async def _show_progress(name: str, started: float) -> None:
    while True:
        await asyncio.sleep(PROGRESS_EVERY)
        elapsed = time.monotonic() - started
        status = _progress.get("status", "running")
        print(f"[bench] {name}: {status} ({elapsed:.0f} s)", file=sys.stderr, flush=True)


def print_table(rows: list[Row]) -> None:
    """The table people read."""
    head = (
        f"{'scenario':<10} {'figure':<34} {'value':>12} {'unit':<10} {'target':<12} "
        f"{'ceiling':>12} {'ratio':>6}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        ceiling = f"{r.ceiling:,.0f}" if r.ceiling else "-"
        ratio = f"{r.ratio:.2f}" if r.ratio is not None else "-"
        print(
            f"{r.scenario:<10} {r.figure:<34} {r.value:>12,.1f} {r.unit:<10} {r.target:<12} "
            f"{ceiling:>12} {ratio:>6}"
        )


def write_json(rows: list[Row], path: Path) -> None:
    """The same rows, machine-readable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"python": sys.version.split()[0], "platform": platform.platform()},
        "rows": [asdict(r) | {"ratio": r.ratio} for r in rows],
    }
    path.write_text(json.dumps(document, indent=2) + "\n")


async def run(scenarios: dict[str, Scenario], args: argparse.Namespace) -> list[Row]:
    """Run the chosen scenarios (all when none is named), in order."""
    chosen = [args.scenario] if args.scenario else list(scenarios)
    rows: list[Row] = []
    for name in chosen:
        print(f"[bench] {name} ...", file=sys.stderr, flush=True)
        started = time.monotonic()
        _progress.clear()
        ticker = asyncio.create_task(_show_progress(name, started))
        try:
            rows.extend(await scenarios[name](args))
        except Exception as exc:  # one broken scenario must not cost the others' figures
            print(f"[bench] {name} failed: {exc!r}", file=sys.stderr, flush=True)
            rows.append(Row(name, f"FAILED: {type(exc).__name__}: {exc}"[:70], 0.0, "-", "-", None))
        finally:
            ticker.cancel()
        took = time.monotonic() - started
        print(f"[bench] {name}: done in {took:.0f} s", file=sys.stderr, flush=True)
    return rows
