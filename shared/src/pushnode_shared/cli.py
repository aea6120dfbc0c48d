"""The `pushnode` command: run, rebuild, state-hash or migrate a service; topics; dead-letters;
join or leave the network (node register|remove)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from importlib.metadata import EntryPoint, entry_points

from pushnode_shared.infra import dlq, noderegistry
from pushnode_shared.infra.kafka import ensure_topics, topic_sizes
from pushnode_shared.infra.logging import configure_logging
from pushnode_shared.infra.service import (
    ServiceSpec,
    migrate_node,
    rebuild_node,
    run_node,
    state_hash_node,
)
from pushnode_shared.infra.settings import SharedSettings
from pushnode_shared.infra.startup import StartupClock
from pushnode_shared.infra.untrusted import keep_recursion_limit_safe
from pushnode_shared.protocol.topics import CATALOGUE


def services() -> dict[str, EntryPoint]:
    """Every installed service by name, found through the `pushnode.services` entry point.

    Not loaded: `pushnode run validator` imports the validator alone, not all five (seconds
    of start-up on a busy machine). An entry point's name is its service's name.
    """
    return {ep.name: ep for ep in entry_points(group="pushnode.services")}


def load_service(registry: dict[str, EntryPoint], name: str) -> ServiceSpec:
    """Import one service and return its spec."""
    spec: ServiceSpec = registry[name].load()
    keep_recursion_limit_safe()  # loading the service imported py_ecc (see untrusted.py)
    return spec


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
    topics = sub.add_parser("topics", help="create the catalogue's missing topics, or list them")
    topics.add_argument("action", nargs="?", choices=["create", "list"], default="create")
    sub.add_parser("services", help="list installed services")
    dead = sub.add_parser("dlq", help="inspect or replay the dead-letters topic")
    verbs = dead.add_subparsers(dest="verb", required=True)
    listing = verbs.add_parser("list", help="every parked record, replayed or not")
    listing.add_argument("--consumer", help="only records this consumer parked")
    again = verbs.add_parser("replay", help="put parked records back on their topics")
    again.add_argument("offsets", nargs="*", type=int, help="dead-letters offsets (default: all)")
    again.add_argument("--consumer", help="only records this consumer parked")
    again.add_argument("--force", action="store_true", help="replay records already replayed")
    node = sub.add_parser("node", help="join or leave the network on the home chain's registry")
    node_verbs = node.add_subparsers(dest="verb", required=True)
    join = node_verbs.add_parser("register", help="register(url) from this node's key")
    join.add_argument("--url", required=True, help="where peers reach this node's gateway")
    node_verbs.add_parser("remove", help="remove(this node) from this node's key")
    return parser


async def _node(args: argparse.Namespace) -> int:
    settings = noderegistry.RegistrySettings()
    key = settings.key()
    if args.verb == "register":
        data = noderegistry.register_call(args.url)
    else:
        data = noderegistry.remove_call(key.address)
    tx_hash = await noderegistry.send(settings.home(), key, data)
    print(f"node {key.address}: {args.verb} mined in {tx_hash}")
    return 0


async def _dispatch(args: argparse.Namespace, registry: dict[str, EntryPoint]) -> int:
    if args.command == "services":
        print("\n".join(sorted(registry)))
        return 0
    if args.command == "topics" and args.action == "list":
        sizes = await topic_sizes(SharedSettings().kafka_bootstrap)
        print(f"{'topic':<20} {'partitions':>10} {'records':>12}  carries")
        for topic in CATALOGUE:
            ends = sizes.get(topic.name)
            shown = f"{len(ends):>10} {sum(ends):>12,}" if ends is not None else f"{'missing':>23}"
            print(f"{topic.name:<20} {shown}  {topic.carries}")
        return 0
    if args.command == "topics":
        shared = SharedSettings()
        created = await ensure_topics(
            shared.kafka_bootstrap, keyed_partitions=shared.topic_partitions
        )
        print("created: " + (", ".join(created) or "nothing (all present)"))
        return 0
    if args.command == "dlq":
        return await _dead_letters(args, SharedSettings().kafka_bootstrap)
    if args.command == "node":
        return await _node(args)
    return await _service_command(args, registry)


async def _service_command(args: argparse.Namespace, registry: dict[str, EntryPoint]) -> int:
    spec = load_service(registry, args.service)
    clock = StartupClock.since_process_start()
    clock.mark("imports")
    settings = spec.settings()
    configure_logging(spec.name, settings.log_level, settings.log_json)
    node = await spec.bootstrap(settings)
    clock.mark("bootstrap")
    if args.command == "run":
        await run_node(node, clock)
    elif args.command == "rebuild":
        replayed = await rebuild_node(node)
        for name, count in replayed.items():
            print(f"  {name}: {count} records")
        print(f"rebuilt {spec.name} from {sum(replayed.values())} records")
    elif args.command == "state-hash":
        print(await state_hash_node(node))
    else:
        await migrate_node(node)
        print(f"{spec.name}: migrations applied")
    return 0


async def _dead_letters(args: argparse.Namespace, bootstrap: str) -> int:
    parked = await dlq.read_parked(bootstrap)
    if args.verb == "list":
        shown = [p for p in parked if args.consumer in (None, p.letter.consumer)]
        print(f"{'offset':>8}  {'state':<8}  {'consumer':<22}  {'record':<28}  reason")
        for p in shown:
            print(p.row())
        print(f"{len(shown)} record(s), {sum(not p.replayed for p in shown)} parked")
        return 0
    chosen = dlq.select(parked, offsets=args.offsets, consumer=args.consumer, force=args.force)
    if args.offsets and len(chosen) < len(set(args.offsets)):
        print("some offsets are unknown or already replayed (use --force)", file=sys.stderr)
    count = await dlq.replay(bootstrap, chosen, operator=getpass.getuser())
    print(f"replayed {count} record(s)")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `pushnode` console script."""
    registry = services()
    args = _parser(sorted(registry)).parse_args(argv)
    return asyncio.run(_dispatch(args, registry))


if __name__ == "__main__":
    sys.exit(main())
