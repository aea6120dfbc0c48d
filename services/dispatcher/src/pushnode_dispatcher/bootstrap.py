"""Wires the dispatcher: device registry projection, sender, FCM client."""

from __future__ import annotations

from pathlib import Path

from pushnode_dispatcher.adapters import db
from pushnode_dispatcher.adapters.fcm import FcmClient
from pushnode_dispatcher.config import Settings
from pushnode_dispatcher.handlers import PRODUCER, REGISTRY_HANDLERS, Sender
from pushnode_shared.consumer import ConsumerSpec
from pushnode_shared.db import Database
from pushnode_shared.kafka import Producer
from pushnode_shared.logging import get_logger
from pushnode_shared.service import Node, ServiceSpec
from pushnode_shared.settings import SharedSettings
from pushnode_shared.topics import DELIVERIES, DEVICES, MESSAGES_STORED

MIGRATIONS = Path(__file__).parent / "migrations"
log = get_logger(__name__)


async def bootstrap(settings: SharedSettings) -> Node:
    """Choose the real adapters for a running dispatcher."""
    assert isinstance(settings, Settings)
    fcm = None
    if settings.fcm_service_account is not None:
        fcm = FcmClient(settings.fcm_service_account, base_url=settings.fcm_base_url)
    else:
        log.warning("no DISPATCHER_FCM_SERVICE_ACCOUNT: FCM pushes are off")
    registry = ConsumerSpec(
        name="dispatcher-registry",
        topics=(DEVICES, DELIVERIES),
        handlers=REGISTRY_HANDLERS,
        offsets=db.offsets,
    )
    sender = ConsumerSpec(
        name="dispatcher-sender",
        topics=(MESSAGES_STORED,),
        handlers=Sender(fcm).mapping(),
        offsets=db.offsets,
    )
    node = Node(
        settings=settings,
        db=Database(settings.db_url(), "dispatcher", MIGRATIONS),
        producer=Producer(settings.kafka_bootstrap, PRODUCER),
        consumers=[registry, sender],
        projections=[registry],
        state_tables=db.STATE_TABLES,
    )
    if fcm is not None:
        node.resources.push_async_callback(fcm.aclose)
    return node


SERVICE = ServiceSpec(name="dispatcher", settings=Settings, bootstrap=bootstrap)
