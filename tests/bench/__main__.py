"""python -m tests.bench [--scenario NAME]: run the benchmark scenarios against the dev stack."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from tests.bench import (
    backfill,
    broadcast,
    chat,
    dispatch,
    feeds,
    harness,
    ingest,
    rebuild,
    sockets,
    validate,
)

SCENARIOS: dict[str, harness.Scenario] = {
    "ingest": ingest.scenario,
    "rebuild": rebuild.scenario,
    "feeds": feeds.scenario,
    "sockets": sockets.scenario,
    "backfill": backfill.scenario,
    "chat": chat.scenario,
    "validate": validate.scenario,
    "dispatch": dispatch.scenario,
    "broadcast": broadcast.scenario,
}


def main() -> None:
    parser = argparse.ArgumentParser(prog="make bench")
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default=None)
    parser.add_argument("--rebuild-events", type=int, default=1_000_000)
    parser.add_argument("--ingest-count", type=int, default=2_000)
    parser.add_argument("--feeds-wallets", type=int, default=1_000_000)
    parser.add_argument("--feeds-notifications", type=int, default=100_000)
    parser.add_argument("--feeds-fanout", type=int, default=10)
    parser.add_argument("--feeds-reads", type=int, default=2_000)
    parser.add_argument("--feeds-broadcasts", type=int, default=1_000)
    parser.add_argument("--sockets-wallets", type=int, default=100)
    parser.add_argument("--sockets-per-wallet", type=int, default=100)
    parser.add_argument("--sockets-client", choices=("node", "python"), default="node")
    parser.add_argument("--backfill-logs", type=int, default=100_000)
    parser.add_argument("--chat-count", type=int, default=2_000)
    parser.add_argument("--validate-count", type=int, default=5_000)
    parser.add_argument("--dispatch-devices", type=int, default=100_000)
    parser.add_argument("--broadcast-subscribers", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=Path("var/bench/latest.json"))
    args = parser.parse_args()
    rows = asyncio.run(harness.run(SCENARIOS, args))
    harness.print_table(rows)
    harness.write_json(rows, args.out)


if __name__ == "__main__":
    main()
