"""Wires the validator: database, producer, the protocol-inputs consumer."""

from __future__ import annotations

from pathlib import Path

from pushnode_shared.consumer import ConsumerSpec
from pushnode_shared.db import Database
from pushnode_shared.ipfs import KuboClient
from pushnode_shared.kafka import Producer
from pushnode_shared.service import Node, ServiceSpec
from pushnode_shared.settings import SharedSettings
from pushnode_shared.topics import PROTOCOL_INPUTS
from pushnode_validator.adapters import db
from pushnode_validator.adapters.ipfs import PayloadFetcher
from pushnode_validator.config import Settings
from pushnode_validator.handlers import PRODUCER, Handlers
from pushnode_validator.ratelimit import RateLimit

MIGRATIONS = Path(__file__).parent / "migrations"


def consumer_spec(settings: Settings, kubo: KuboClient | None = None) -> ConsumerSpec:
    """The validator's one consumer: protocol state and decisions from protocol-inputs."""
    limit = RateLimit(burst=settings.rate_burst, per_second=settings.rate_per_second)
    handlers = Handlers(settings.chains, limit, PayloadFetcher(kubo))
    return ConsumerSpec(
        name="validator",
        topics=(PROTOCOL_INPUTS,),
        handlers=handlers.mapping(),
        offsets=db.offsets,
        prepare=handlers.prepare,
        finish=handlers.finish,
    )


async def bootstrap(settings: SharedSettings) -> Node:
    """Choose the real adapters for a running validator."""
    assert isinstance(settings, Settings)
    kubo = KuboClient(settings.ipfs_api)
    spec = consumer_spec(settings, kubo)
    node = Node(
        settings=settings,
        db=Database(settings.db_url(), "validator", MIGRATIONS),
        producer=Producer(settings.kafka_bootstrap, PRODUCER),
        consumers=[spec],
        projections=[spec],
        state_tables=db.STATE_TABLES,
    )
    node.resources.push_async_callback(kubo.aclose)
    return node


SERVICE = ServiceSpec(name="validator", settings=Settings, bootstrap=bootstrap)
