"""Wires the dispatcher: device registry projection, sender, retry consumer, providers."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from pushnode_dispatcher.adapters import db
from pushnode_dispatcher.adapters.apns import ApnsClient
from pushnode_dispatcher.adapters.delayed import DelayedConsumer, not_before_of
from pushnode_dispatcher.adapters.fcm import FcmClient
from pushnode_dispatcher.adapters.guards import CredentialBreaker, GuardedPusher, TokenBucket
from pushnode_dispatcher.adapters.pushers import ApnsPusher, FcmPusher, Pusher, WebPushPusher
from pushnode_dispatcher.adapters.sendlog import SendLog
from pushnode_dispatcher.adapters.webpush import WebPushClient
from pushnode_dispatcher.chat import ChatPushes
from pushnode_dispatcher.config import Settings
from pushnode_dispatcher.domain import Provider, RetryPolicy
from pushnode_dispatcher.handlers import (
    DEVICE_HANDLERS,
    PRODUCER,
    STATUS_HANDLERS,
    SUBSCRIPTION_HANDLERS,
    Sender,
)
from pushnode_shared.consumer import ConsumerSpec
from pushnode_shared.db import Database
from pushnode_shared.kafka import Producer
from pushnode_shared.logging import get_logger
from pushnode_shared.service import Node, ServiceSpec
from pushnode_shared.settings import SharedSettings
from pushnode_shared.topics import CHATS, DELIVERIES, DEVICES, MESSAGES_STORED, PROTOCOL_DECISIONS

MIGRATIONS = Path(__file__).parent / "migrations"
log = get_logger(__name__)
Closer = Callable[[], Awaitable[None]]


def providers(settings: Settings) -> tuple[dict[Provider, Pusher], list[Closer]]:
    """The provider clients the settings have credentials for, and how to close them."""
    # httpx logs every request line at INFO: APNs paths and Web Push endpoints are device
    # tokens, which stay out of the log, and one line per push costs more CPU than the push.
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    pushers: dict[Provider, Pusher] = {}
    closers: list[Closer] = []
    apps: dict[Provider, str] = {}
    if settings.fcm_service_account is not None:
        fcm = FcmClient(
            settings.fcm_service_account,
            base_url=settings.fcm_base_url,
            max_connections=settings.fcm_max_connections,
        )
        pushers[Provider.FCM], closers = FcmPusher(fcm), [*closers, fcm.aclose]
        apps[Provider.FCM] = fcm.project_id
    if settings.apns_key_file is not None:
        assert settings.apns_key_id is not None and settings.apns_team_id is not None
        apns = ApnsClient(
            settings.apns_key_file,
            key_id=settings.apns_key_id,
            team_id=settings.apns_team_id,
            topic=settings.apns_topic,
            base_url=settings.apns_base_url,
        )
        pushers[Provider.APNS], closers = ApnsPusher(apns), [*closers, apns.aclose]
        apps[Provider.APNS] = f"{settings.apns_team_id}/{settings.apns_topic}"
    if settings.webpush_vapid_key_file is not None:
        assert settings.webpush_subject is not None
        web = WebPushClient(settings.webpush_vapid_key_file, subject=settings.webpush_subject)
        pushers[Provider.WEBPUSH], closers = WebPushPusher(web), [*closers, web.aclose]
        apps[Provider.WEBPUSH] = settings.webpush_subject
    # Which providers are on, never with what: paths and keys stay out of the log.
    off = sorted(p.value for p in Provider if p not in pushers)
    log.info("push providers", on=sorted(p.value for p in pushers), off=off)
    return guarded(pushers, apps, settings), closers


def guarded(
    pushers: dict[Provider, Pusher], apps: dict[Provider, str], settings: Settings
) -> dict[Provider, Pusher]:
    """Each provider app behind its own token bucket and credentials breaker."""
    rate = settings.rate_per_minute / 60.0
    return {
        provider: GuardedPusher(
            pusher,
            TokenBucket(rate),
            CredentialBreaker(
                provider.value, apps.get(provider, ""), settings.credentials_probe_seconds
            ),
        )
        for provider, pusher in pushers.items()
    }


async def bootstrap(settings: SharedSettings) -> Node:
    """Choose the real adapters for a running dispatcher."""
    assert isinstance(settings, Settings)
    pushers, closers = providers(settings)
    policy = RetryPolicy(
        settings.retry_max_attempts, settings.retry_base_seconds, settings.retry_max_seconds
    )
    database = Database(settings.db_url(), "dispatcher", MIGRATIONS)
    sender = Sender(
        pushers,
        policy,
        log=SendLog.for_database(database),
        concurrency=settings.send_concurrency,
    )
    # Registrations and delivery outcomes are folded by two consumers, so a burst of
    # outcomes (100,000 for one notification) never delays a device registered meanwhile.
    registry = ConsumerSpec(
        name="dispatcher-registry",
        topics=(DEVICES,),
        handlers=DEVICE_HANDLERS,
        offsets=db.offsets,
    )
    # The subscriptions a broadcast reaches, folded apart from the registry for the same reason.
    subscriptions = ConsumerSpec(
        name="dispatcher-subscriptions",
        topics=(PROTOCOL_DECISIONS,),
        handlers=SUBSCRIPTION_HANDLERS,
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
        retrying, database, producer, settings.kafka_bootstrap, due_at=not_before_of
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
    for provider, pusher in pushers.items():
        if isinstance(pusher, GuardedPusher):
            node.readiness.checks[f"credentials:{provider.value}"] = pusher.breaker.check
    for close in closers:
        node.resources.push_async_callback(close)
    return node


SERVICE = ServiceSpec(name="dispatcher", settings=Settings, bootstrap=bootstrap)
