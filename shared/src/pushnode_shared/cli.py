"""The `pushnode` command: run, rebuild, state-hash or migrate a service; create topics."""

from __future__ import annotations

import argparse
import asyncio
import sys
from importlib.metadata import entry_points

from pushnode_shared.kafka import ensure_topics
from pushnode_shared.logging import configure_logging
from pushnode_shared.service import (
    ServiceSpec,
    migrate_node,
    rebuild_node,
    run_node,
    state_hash_node,
)
from pushnode_shared.settings import SharedSettings
from pushnode_shared.untrusted import keep_recursion_limit_safe


def services() -> dict[str, ServiceSpec]:
    """Every installed service, found through the `pushnode.services` entry point."""
    found: dict[str, ServiceSpec] = {}
    for ep in entry_points(group="pushnode.services"):
        spec = ep.load()
        found[spec.name] = spec
    return found


def _parser(names: list[str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pushnode", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for command, text in (
        ("run", "run a service until SIGTERM"),
        ("rebuild", "drop a service's projection and replay its topics from offset 0"),
        ("state-hash", "print a stable checksum of a service's projection"),
        ("migrate", "apply a service's database migrations"),
    ):
        sub.add_parser(command, help=text).add_argument("service", choices=names)
    sub.add_parser("topics", help="create the catalogue's topics if missing")
    sub.add_parser("services", help="list installed services")
    return parser


async def _dispatch(args: argparse.Namespace, registry: dict[str, ServiceSpec]) -> int:
    if args.command == "services":
        print("\n".join(sorted(registry)))
        return 0
    if args.command == "topics":
        created = await ensure_topics(SharedSettings().kafka_bootstrap)
        print("created: " + (", ".join(created) or "nothing (all present)"))
        return 0
    spec = registry[args.service]
    settings = spec.settings()
    configure_logging(spec.name, settings.log_level, settings.log_json)
    node = await spec.bootstrap(settings)
    if args.command == "run":
        await run_node(node)
    elif args.command == "rebuild":
        total = await rebuild_node(node)
        print(f"rebuilt {spec.name} from {total} records")
    elif args.command == "state-hash":
        print(await state_hash_node(node))
    else:
        await migrate_node(node)
        print(f"{spec.name}: migrations applied")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `pushnode` console script."""
    registry = services()
    keep_recursion_limit_safe()  # loading the services imported py_ecc (see untrusted.py)
    args = _parser(sorted(registry)).parse_args(argv)
    return asyncio.run(_dispatch(args, registry))


if __name__ == "__main__":
    sys.exit(main())
