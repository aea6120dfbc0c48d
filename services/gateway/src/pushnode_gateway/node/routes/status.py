"""GET /apis/v1/node/status: the services' readiness, lags, chains, topics and recent decisions.

Mounted only when the console is on (GATEWAY_CONSOLE). Answers are cached for a moment, so
several open consoles cost one round of /readyz calls and one Kafka read between them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from fastapi import APIRouter, Request

from pushnode_gateway.config import Settings
from pushnode_gateway.node.adapters.probe import LogReader, readyz_bodies
from pushnode_gateway.node.formatting import (
    NodeStatusPublic,
    TopicPublic,
    chains_of,
    consumers_of,
    newest_decisions,
    service_public,
)
from pushnode_shared.infra.envelope import Envelope, utcnow
from pushnode_shared.infra.runtime import Readiness, readyz_body
from pushnode_shared.protocol.topics import PROTOCOL_DECISIONS, Topic

router = APIRouter(tags=["node"])
CACHE_SECONDS = 1.0
DECISIONS_SHOWN = 15


Probe = Callable[[dict[str, str]], Awaitable[dict[str, dict[str, Any] | None]]]


class Log(Protocol):
    """End offsets and a topic's tail (adapters.node_probe.LogReader; a fake in unit tests)."""

    async def sample(
        self, tail_of: Topic, per_partition: int
    ) -> tuple[dict[str, list[int]], list[Envelope]]: ...


@dataclass
class StatusSource:
    """Builds the status from the other services' /readyz, the gateway's own checks and Kafka."""

    settings: Settings
    readiness: Readiness
    dev_mode: bool
    probe: Probe = readyz_bodies
    log: Log | None = None
    _cached: tuple[float, NodeStatusPublic] | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def current(self) -> NodeStatusPublic:
        """The latest status, at most CACHE_SECONDS old."""
        async with self._lock:
            if self._cached is None or time.monotonic() - self._cached[0] > CACHE_SECONDS:
                self._cached = (time.monotonic(), await self._build())
            return self._cached[1]

    async def _build(self) -> NodeStatusPublic:
        reader = self.log or LogReader(self.settings.kafka_bootstrap)
        remote, (offsets, tail), own = await asyncio.gather(
            self.probe(self.settings.status_urls),
            reader.sample(PROTOCOL_DECISIONS, per_partition=DECISIONS_SHOWN),
            readyz_body(self.readiness),
        )
        bodies = {**remote, "gateway": own}
        return NodeStatusPublic(
            generated_at=utcnow().isoformat().replace("+00:00", "Z"),
            dev_mode=self.dev_mode,
            services=[service_public(name, body) for name, body in bodies.items()],
            consumers=[c for name, body in bodies.items() for c in consumers_of(name, body)],
            chains=chains_of(bodies.get("listener"), self.settings.chains),
            topics=[
                TopicPublic(name=name, end_offsets=ends, total=sum(ends))
                for name, ends in offsets.items()
            ],
            decisions=newest_decisions(tail, DECISIONS_SHOWN),
        )


@router.get("/v1/node/status")
async def node_status(request: Request) -> NodeStatusPublic:
    """What the console at / shows: less than the services' own /readyz say (no raw texts)."""
    source: StatusSource = request.app.state.status_source
    return await source.current()
