"""Wires the gateway: producer, database, feeds and protocol consumers, socket.io, HTTP app."""

from __future__ import annotations

from pathlib import Path

from pushnode_gateway import delivery_view
from pushnode_gateway.adapters import db
from pushnode_gateway.app import create_app
from pushnode_gateway.config import Settings
from pushnode_gateway.handlers import Handlers, ProtocolHandlers
from pushnode_gateway.sockets import FeedSockets
from pushnode_shared.consumer import ConsumerSpec
from pushnode_shared.db import Database
from pushnode_shared.ipfs import KuboClient
from pushnode_shared.kafka import Producer
from pushnode_shared.service import Node, ServiceSpec
from pushnode_shared.settings import SharedSettings
from pushnode_shared.topics import DELIVERIES, MESSAGES_STORED, PROTOCOL_DECISIONS

MIGRATIONS = Path(__file__).parent / "migrations"


async def bootstrap(settings: SharedSettings) -> Node:
    """Choose the real adapters for a running gateway."""
    assert isinstance(settings, Settings)
    sockets = FeedSockets(list(settings.cors_origins))
    feeds = ConsumerSpec(
        name="gateway-feeds",
        topics=(MESSAGES_STORED,),
        handlers=Handlers(sockets).mapping(),
        offsets=db.offsets,
    )
    # Its own consumer name: offsets sit in the same table, one row set per consumer.
    protocol = ConsumerSpec(
        name="gateway-protocol",
        topics=(PROTOCOL_DECISIONS,),
        handlers=ProtocolHandlers().mapping(),
        offsets=db.offsets,
    )
    deliveries = ConsumerSpec(
        name="gateway-deliveries",
        topics=(DELIVERIES,),
        handlers=delivery_view.HANDLERS,
        offsets=db.offsets,
    )
    database = Database(settings.db_url(), "gateway", MIGRATIONS)
    producer = Producer(settings.kafka_bootstrap, "gateway")
    node = Node(
        settings=settings,
        db=database,
        producer=producer,
        consumers=[feeds, protocol, deliveries],
        projections=[feeds, protocol, deliveries],
        state_tables=[*db.STATE_TABLES, *delivery_view.STATE_TABLES],
    )
    kubo = KuboClient(settings.ipfs_api)
    node.resources.push_async_callback(kubo.aclose)
    node.app = create_app(settings, producer, database, sockets, node.readiness, kubo)
    return node


SERVICE = ServiceSpec(name="gateway", settings=Settings, bootstrap=bootstrap)
