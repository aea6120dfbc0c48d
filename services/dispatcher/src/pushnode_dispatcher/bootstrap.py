"""Wires the dispatcher: device registry projection, sender, retry consumer, providers."""

from __future__ import annotations

from pathlib import Path

from pushnode_dispatcher.adapters import db
from pushnode_dispatcher.adapters.delayed import DelayedConsumer, not_before_of
from pushnode_dispatcher.adapters.sendlog import SendLog
from pushnode_dispatcher.adapters.watermark import KafkaEndOffsets, RegistryWatermark
from pushnode_dispatcher.apps import DEFAULT
from pushnode_dispatcher.config import Settings
from pushnode_dispatcher.domain import RetryPolicy
from pushnode_dispatcher.handlers.chat import ChatPushes
from pushnode_dispatcher.handlers.registry import (
    DEVICE_HANDLERS,
    STATUS_HANDLERS,
    SUBSCRIPTION_HANDLERS,
)
from pushnode_dispatcher.handlers.sender import PRODUCER, Sender
from pushnode_dispatcher.handlers.withdrawals import WITHDRAWAL_HANDLERS
from pushnode_dispatcher.providers import providers
from pushnode_shared.infra.consumer import ConsumerSpec
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.kafka import Producer
from pushnode_shared.infra.logging import get_logger
from pushnode_shared.infra.service import Node, ServiceSpec
from pushnode_shared.infra.settings import SharedSettings
from pushnode_shared.protocol.topics import (
    CHATS,
    DELIVERIES,
    DEVICES,
    MESSAGES_STORED,
    PROTOCOL_DECISIONS,
    ServiceTopics,
)

MIGRATIONS = Path(__file__).parent / "migrations"
# What this service reads and writes: the README table and (later) its Kafka ACLs.
TOPICS = ServiceTopics(
    consumes=(DEVICES, PROTOCOL_DECISIONS, DELIVERIES, MESSAGES_STORED, CHATS),
    produces=(DELIVERIES, DEVICES),
)
log = get_logger(__name__)
REGISTRY_CONSUMER = "dispatcher-registry"


async def bootstrap(settings: SharedSettings) -> Node:
    """Choose the real adapters for a running dispatcher."""
    assert isinstance(settings, Settings)
    wired = providers(settings)
    policy = RetryPolicy(
        settings.retry_max_attempts, settings.retry_base_seconds, settings.retry_max_seconds
    )
    database = Database(settings.db_url(), "dispatcher", MIGRATIONS)
    # The sender reads the registry only once it has folded every registration already on
    # `devices`: a device registered before a notification is accepted gets it.
    devices_ends = KafkaEndOffsets(settings.kafka_bootstrap, DEVICES)
    folded = RegistryWatermark(devices_ends, database, REGISTRY_CONSUMER, db.offsets)
    sender = Sender(
        wired.apps.get(DEFAULT, {}),
        policy,
        log=SendLog.for_database(database),
        concurrency=settings.send_concurrency,
        apps=wired.apps,
        registry=folded,
    )
    # Registrations and delivery outcomes are folded by two consumers, so a burst of
    # outcomes (100,000 for one notification) never delays a device registered meanwhile.
    registry = ConsumerSpec(
        name="dispatcher-registry",  # REGISTRY_CONSUMER, which the sender waits for
        topics=(DEVICES,),
        handlers=DEVICE_HANDLERS,
        offsets=db.offsets,
    )
    # The subscriptions a broadcast reaches, folded apart from the registry for the same reason.
    subscriptions = ConsumerSpec(
        name="dispatcher-subscriptions",
        topics=(PROTOCOL_DECISIONS,),
        handlers=SUBSCRIPTION_HANDLERS | WITHDRAWAL_HANDLERS,
        offsets=db.offsets,
    )
    status = ConsumerSpec(
        name="dispatcher-status",
        topics=(DELIVERIES,),
        handlers=STATUS_HANDLERS,
        offsets=db.offsets,
    )
    sending = ConsumerSpec(
        name="dispatcher-sender",
        topics=(MESSAGES_STORED,),
        handlers=sender.mapping(),
        offsets=db.offsets,
    )
    chat_pushes = ConsumerSpec(
        name="dispatcher-chat",
        topics=(CHATS,),
        handlers=ChatPushes(sender).mapping(),
        offsets=db.offsets,
    )
    retrying = ConsumerSpec(
        name="dispatcher-retries",
        topics=(DELIVERIES,),
        handlers=sender.retry_mapping(),
        offsets=db.offsets,
    )
    producer = Producer(settings.kafka_bootstrap, PRODUCER)
    retries = DelayedConsumer(
        retrying,
        database,
        producer,
        settings.kafka_bootstrap,
        due_at=not_before_of,
        instance=settings.consumer_instance_id(),
    )
    node = Node(
        settings=settings,
        db=database,
        producer=producer,
        consumers=[registry, subscriptions, status, sending, chat_pushes],
        projections=[registry, subscriptions, status],
        state_tables=db.STATE_TABLES,
        tasks=[retries.run],
    )
    node.readiness.checks["consumer:dispatcher-retries"] = retries.check
    # Not ready while notifications wait on a registry that cannot catch up, or lose pushes.
    node.readiness.checks["sender:complete"] = sender.completeness.check
    node.resources.push_async_callback(devices_ends.aclose)
    for check, breaker in wired.breakers.items():
        node.readiness.checks[check] = breaker.check
    for close in wired.closers:
        node.resources.push_async_callback(close)
    return node


SERVICE = ServiceSpec(name="dispatcher", settings=Settings, bootstrap=TOPICS.checked(bootstrap))
