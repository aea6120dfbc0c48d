"""Wires the validator: database, producer, the protocol-inputs consumer."""

from __future__ import annotations

from pathlib import Path

from pushnode_shared.consumer import ConsumerSpec
from pushnode_shared.db import Database
from pushnode_shared.kafka import Producer
from pushnode_shared.service import Node, ServiceSpec
from pushnode_shared.settings import SharedSettings
from pushnode_shared.topics import PROTOCOL_INPUTS
from pushnode_validator.adapters import db
from pushnode_validator.config import Settings
from pushnode_validator.handlers import PRODUCER, Handlers

MIGRATIONS = Path(__file__).parent / "migrations"


def consumer_spec(settings: SharedSettings) -> ConsumerSpec:
    """The validator's one consumer: protocol state and decisions from protocol-inputs."""
    return ConsumerSpec(
        name="validator",
        topics=(PROTOCOL_INPUTS,),
        handlers=Handlers(settings.chains).mapping(),
        offsets=db.offsets,
    )


async def bootstrap(settings: SharedSettings) -> Node:
    """Choose the real adapters for a running validator."""
    spec = consumer_spec(settings)
    return Node(
        settings=settings,
        db=Database(settings.db_url(), "validator", MIGRATIONS),
        producer=Producer(settings.kafka_bootstrap, PRODUCER),
        consumers=[spec],
        projections=[spec],
        state_tables=db.STATE_TABLES,
    )


SERVICE = ServiceSpec(name="validator", settings=Settings, bootstrap=bootstrap)
