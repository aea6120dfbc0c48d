"""Wires the storage service: kubo client, database, producer, decisions consumer."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pushnode_shared.infra.consumer import ConsumerSpec
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.envelope import utcnow
from pushnode_shared.infra.ipfs import KuboClient
from pushnode_shared.infra.kafka import Producer
from pushnode_shared.infra.service import Node, ServiceSpec
from pushnode_shared.infra.settings import SharedSettings
from pushnode_shared.protocol.topics import (
    CHATS,
    MESSAGES_STORED,
    PROTOCOL_DECISIONS,
    UPLOADS,
    ServiceTopics,
)
from pushnode_storage.adapters import chat_db, db, uploads_db
from pushnode_storage.chat import ChatStorage
from pushnode_storage.config import Settings
from pushnode_storage.domain import PRODUCER
from pushnode_storage.handlers import Handlers
from pushnode_storage.sweep import sweeper
from pushnode_storage.uploads import UploadHandlers

MIGRATIONS = Path(__file__).parent / "migrations"
# What this service reads and writes: the README table and (later) its Kafka ACLs.
TOPICS = ServiceTopics(
    consumes=(PROTOCOL_DECISIONS, UPLOADS, CHATS), produces=(MESSAGES_STORED, CHATS)
)


async def bootstrap(settings: SharedSettings) -> Node:
    """Choose the real adapters for a running storage service."""
    assert isinstance(settings, Settings)
    kubo = KuboClient(settings.ipfs_api)
    handlers = Handlers(kubo)
    spec = ConsumerSpec(
        name="storage",
        topics=(PROTOCOL_DECISIONS,),
        handlers=handlers.mapping(),
        offsets=db.offsets,
        prepare=handlers.prepare,
    )
    # Its own consumer name: offsets sit in the same table, one row set per consumer.
    # Uploads and the channel decisions that reference them, for the upload sweep.
    uploads = ConsumerSpec(
        name="storage-uploads",
        topics=(UPLOADS, PROTOCOL_DECISIONS),
        handlers=UploadHandlers(kubo).mapping(),
        offsets=db.offsets,
    )
    database = Database(settings.db_url(), "storage", MIGRATIONS)
    chat_storage = ChatStorage(kubo, database)
    # Its own consumer: chat links follow the `chats` order, independent of notifications.
    chat = ConsumerSpec(
        name="storage-chat",
        topics=(CHATS,),
        handlers={"ChatMessageAccepted": chat_storage.on_chat_message_accepted},
        offsets=db.offsets,
        prepare=chat_storage.prepare,
    )
    node = Node(
        settings=settings,
        db=database,
        producer=Producer(settings.kafka_bootstrap, PRODUCER),
        consumers=[spec, uploads, chat],
        projections=[spec, uploads, chat],
        state_tables=db.STATE_TABLES + chat_db.STATE_TABLES + uploads_db.STATE_TABLES,
    )
    node.resources.push_async_callback(kubo.aclose)
    grace = timedelta(seconds=settings.upload_grace_seconds)
    node.tasks.append(sweeper(database, kubo, grace, settings.upload_sweep_seconds, utcnow))

    async def ipfs_ready() -> tuple[bool, str]:
        return True, f"kubo {await kubo.ping()}"

    node.readiness.checks["ipfs"] = ipfs_ready
    return node


SERVICE = ServiceSpec(name="storage", settings=Settings, bootstrap=TOPICS.checked(bootstrap))
