"""What a service is to the runtime and the CLI: a Node built by its bootstrap."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import sqlalchemy as sa
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_delay, wait_exponential

from pushnode_shared.infra.consumer import ProjectionConsumer
from pushnode_shared.infra.context import TRANSIENT, ConsumerSpec
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.kafka import Producer, ensure_topics
from pushnode_shared.infra.logging import get_logger
from pushnode_shared.infra.rebuild import replay
from pushnode_shared.infra.runtime import (
    Readiness,
    health_app,
    install_stop_signals,
    metrics_app,
    run_until_stopped,
    serve_http,
)
from pushnode_shared.infra.settings import SharedSettings
from pushnode_shared.infra.startup import StartupClock, until_caught_up

log = get_logger(__name__)
# A consumer that has not heard from the broker for this long makes its service not ready.
BROKER_SILENCE_SECONDS = 15.0
Task = Callable[[asyncio.Event], Coroutine[Any, Any, None]]


@dataclass
class Node:
    """A wired service: adapters chosen by bootstrap, consumers, extra loops, HTTP app.

    `projections` are the consumers whose tables `state_tables` a rebuild clears and replays;
    `consumers` run live (projections plus any effectful consumer such as a sender).
    """

    settings: SharedSettings
    db: Database
    producer: Producer | None
    consumers: list[ConsumerSpec]
    projections: list[ConsumerSpec]
    state_tables: list[str]
    tasks: list[Task] = field(default_factory=list)
    app: Any = None
    # Extra uvicorn.Config settings for this service's HTTP server (the gateway's sockets).
    http_options: dict[str, Any] = field(default_factory=dict)
    readiness: Readiness = field(default_factory=Readiness)
    # A worker is not ready while one of its consumers is stuck; an HTTP service (the gateway)
    # serves reads whatever its consumers do, so its lag goes to metrics and alerts only.
    stuck_consumers_fail_readiness: bool = True
    resources: AsyncExitStack = field(default_factory=AsyncExitStack)
    runners: list[ProjectionConsumer] = field(default_factory=list)


@dataclass(frozen=True)
class ServiceSpec:
    """Registered under the `pushnode.services` entry point by each service package."""

    name: str
    settings: Callable[[], SharedSettings]
    bootstrap: Callable[[SharedSettings], Awaitable[Node]]


async def _wait_for_dependencies(node: Node, clock: StartupClock) -> None:
    # Kafka or the database may still be starting (compose, a rolling restart): wait, then fail.
    async for attempt in AsyncRetrying(
        retry=retry_if_exception_type(TRANSIENT),
        wait=wait_exponential(max=5),
        stop=stop_after_delay(120),
        reraise=True,
    ):
        with attempt:
            await asyncio.gather(
                node.db.ping(),
                ensure_topics(
                    node.settings.kafka_bootstrap, keyed_partitions=node.settings.topic_partitions
                ),
            )
    clock.mark("dependencies")
    await node.db.upgrade()
    clock.mark("migrations")
    if node.producer is not None:
        await node.producer.start()
        node.resources.push_async_callback(node.producer.stop)
    clock.mark("producer")


async def run_node(node: Node, clock: StartupClock | None = None) -> None:
    """Run a service until SIGTERM: migrations, consumers, loops and HTTP, then clean exit.

    `clock` has timed what came before (imports, bootstrap); the start-up breakdown is
    logged once every consumer has joined its group and read its partitions to the end.
    """
    clock = clock or StartupClock()
    stop = asyncio.Event()
    install_stop_signals(stop)
    try:
        await _wait_for_dependencies(node, clock)
        instance = node.settings.consumer_instance_id()
        node.runners = [
            ProjectionConsumer(
                spec, node.db, node.producer, node.settings.kafka_bootstrap, instance=instance
            )
            for spec in node.consumers
        ]
        add_standard_checks(node)
        app = node.app if node.app is not None else health_app(node.readiness)
        tasks: list[Task] = [r.run for r in node.runners] + node.tasks
        tasks.append(lambda s: _log_startup(clock, node.runners, s))
        host, port = node.settings.http_host, node.settings.http_port
        tasks.append(lambda s: serve_http(app, host, port, s, node.http_options))
        metrics_port = node.settings.internal_metrics_port
        if metrics_port:
            tasks.append(lambda s: serve_http(metrics_app(), host, metrics_port, s))
        log.info(
            "service started",
            port=node.settings.http_port,
            metrics_port=metrics_port,
            consumer_instance=instance,
            startup=clock.breakdown(),
        )
        await run_until_stopped(stop, tasks)
    finally:
        await node.resources.aclose()
        await node.db.dispose()
        log.info("service stopped")


async def _log_startup(
    clock: StartupClock, runners: list[ProjectionConsumer], stop: asyncio.Event
) -> None:
    """Log the start-up breakdown (seconds per phase) once every consumer has caught up."""
    waiting = asyncio.ensure_future(until_caught_up(clock, runners))
    stopping = asyncio.ensure_future(stop.wait())
    await asyncio.wait({waiting, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if waiting.done():
        log.info("start-up complete", startup=waiting.result())
    else:  # stopped before catching up: nothing to report
        waiting.cancel()


def add_standard_checks(node: Node) -> None:
    """Database and Kafka reachable; per consumer, lag shown and only a stuck one failing.

    The HTTP loop that answers /readyz is the service's own, so an answer means it is alive.
    """

    async def database() -> tuple[bool, str]:
        await node.db.ping()
        return True, "reachable"

    node.readiness.checks.setdefault("database", database)
    if node.runners:
        node.readiness.checks["kafka"] = partial(kafka_check, node.runners)
    for runner in node.runners:
        node.readiness.checks[f"consumer:{runner.spec.name}"] = partial(
            consumer_check,
            runner,
            node.settings.ready_stuck_seconds,
            node.stuck_consumers_fail_readiness,
        )


async def kafka_check(runners: Sequence[ProjectionConsumer]) -> tuple[bool, str]:
    """Kafka reachable: some consumer heard from the broker lately."""
    silent = time.monotonic() - max(r.last_broker_contact for r in runners)
    if silent > BROKER_SILENCE_SECONDS:
        return False, f"no answer from Kafka for {silent:.0f}s"
    return True, "reachable"


async def consumer_check(
    runner: ProjectionConsumer, stuck_seconds: float, gates: bool
) -> tuple[bool, str]:
    """Passes while the consumer progresses, however far behind; fails when it is stuck.

    With `gates` off (HTTP services) it always passes: the detail still shows lag and stalls.
    """
    if not runner.assigned:
        return not gates, "not assigned yet"
    lag = runner.max_lag()
    stuck = runner.stuck_for(time.monotonic())
    if stuck > stuck_seconds:
        return not gates, f"stuck: lag {lag}, nothing committed for {stuck:.0f}s"
    return True, f"lag {lag}"


async def rebuild_node(node: Node) -> dict[str, int]:
    """Clear the projection tables and their offsets, then replay from offset 0; the records
    each projection replayed, by name."""
    await node.db.upgrade()
    async with node.db.transaction() as session:
        for table in node.state_tables:
            await session.execute(sa.text(f'DELETE FROM "{table}"'))
        for spec in node.projections:
            await session.execute(
                sa.delete(spec.offsets).where(spec.offsets.c.consumer == spec.name)
            )
    try:
        replayed = {}
        for spec in node.projections:
            replayed[spec.name] = await replay(spec, node.db, node.settings.kafka_bootstrap)
        return replayed
    finally:
        await _close_offline(node)


async def state_hash_node(node: Node) -> str:
    """Checksum of the projection tables (offsets excluded: they are bookkeeping)."""
    try:
        await node.db.upgrade()
        return await node.db.state_hash(node.state_tables)
    finally:
        await _close_offline(node)


async def migrate_node(node: Node) -> None:
    """Apply the service's migrations and exit (an init container's job)."""
    try:
        await node.db.upgrade()
    finally:
        await _close_offline(node)


async def _close_offline(node: Node) -> None:
    """Release what bootstrap built when the service did not run (rebuild, state-hash)."""
    if node.producer is not None:
        await node.producer.stop()  # never started, but aiokafka warns unless closed
    await node.resources.aclose()
    await node.db.dispose()
