"""Wires the gateway: producer, database, feeds and protocol consumers, socket.io, HTTP app."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from pushnode_gateway import db
from pushnode_gateway.app import create_app
from pushnode_gateway.channels import projection as channel_projection
from pushnode_gateway.channels.adapters import discovery, read_model
from pushnode_gateway.channels.adapters import settings as notification_settings
from pushnode_gateway.chat import projection as chat_projection
from pushnode_gateway.chat.adapters import chat_db
from pushnode_gateway.config import Settings
from pushnode_gateway.deliveries import projection as delivery_projection
from pushnode_gateway.deliveries.adapters import store as deliveries_store
from pushnode_gateway.feeds import projection as feed_projection
from pushnode_gateway.feeds.adapters import inbox
from pushnode_gateway.feeds.history import FeedHistory
from pushnode_gateway.network import adapters as network_adapters
from pushnode_gateway.network import projection as network_projection
from pushnode_gateway.network.peers import NodeIdentity
from pushnode_gateway.serving import raise_open_files_limit, uvicorn_options
from pushnode_gateway.settling import Waiters
from pushnode_gateway.sockets.audience import Audience
from pushnode_gateway.sockets.committed import Committed
from pushnode_gateway.sockets.live import LiveFeed
from pushnode_gateway.sockets.server import FeedSockets
from pushnode_gateway.users import projection as user_projection
from pushnode_shared.infra.consumer import ConsumerSpec
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.ipfs import KuboClient
from pushnode_shared.infra.kafka import Producer
from pushnode_shared.infra.service import Node, ServiceSpec
from pushnode_shared.infra.settings import SharedSettings
from pushnode_shared.protocol.network.keys import NodeKey
from pushnode_shared.protocol.network.peers import parse_peers
from pushnode_shared.protocol.topics import (
    CHATS,
    DELIVERIES,
    DEVICES,
    MESSAGES_STORED,
    NODE_RECORDS,
    PROTOCOL_DECISIONS,
    PROTOCOL_INPUTS,
    UPLOADS,
    USERS,
    ServiceTopics,
)

MIGRATIONS = Path(__file__).parent / "migrations"
# What this service reads and writes: the README table and (later) its Kafka ACLs.
TOPICS = ServiceTopics(
    consumes=(MESSAGES_STORED, PROTOCOL_DECISIONS, UPLOADS, USERS, CHATS, DELIVERIES, NODE_RECORDS),
    produces=(PROTOCOL_INPUTS, DEVICES, UPLOADS, USERS, CHATS),
)


async def bootstrap(settings: SharedSettings) -> Node:
    """Choose the real adapters for a running gateway."""
    assert isinstance(settings, Settings)
    raise_open_files_limit()  # one descriptor per socket: 1024 would cap the sockets
    token = settings.delivery_socket_token
    sockets = FeedSockets(
        list(settings.cors_origins),
        delivery_token=token.get_secret_value() if token else None,
        max_per_ip=settings.max_sockets_per_ip,
        chat_auth_required=settings.chat_socket_auth == "required",
    )
    waiters = Waiters()
    database = Database(settings.db_url(), "gateway", MIGRATIONS)
    # The projection writes feeds only; sockets get their pushes from the live feed, which every
    # gateway process runs over all partitions (sockets/live.py): any pod serves any wallet. It
    # emits a record once its projection has committed it (read after event).
    committed = Committed(
        database, db.offsets, {MESSAGES_STORED.name: "gateway-feeds", CHATS.name: "gateway-chat"}
    )
    feeds = ConsumerSpec(
        name="gateway-feeds",
        topics=(MESSAGES_STORED,),
        handlers=feed_projection.HANDLERS,
        offsets=db.offsets,
        after_commit=committed.advance,
    )
    # Its own consumer name: offsets sit in the same table, one row set per consumer.
    protocol = ConsumerSpec(
        name="gateway-protocol",
        topics=(PROTOCOL_DECISIONS,),
        handlers=channel_projection.HANDLERS,
        offsets=db.offsets,
    )
    uploads = ConsumerSpec(
        name="gateway-uploads",
        topics=(UPLOADS,),
        handlers=channel_projection.UPLOAD_HANDLERS,
        offsets=db.offsets,
    )
    users = ConsumerSpec(
        name="gateway-users",
        topics=(USERS,),
        handlers=user_projection.handlers(waiters),
        offsets=db.offsets,
    )
    chats = ConsumerSpec(
        name="gateway-chat",
        topics=(CHATS,),
        handlers=chat_projection.handlers(waiters),  # CHATS pushes: the live feed
        offsets=db.offsets,
        after_commit=committed.advance,
    )
    deliveries = ConsumerSpec(
        name="gateway-deliveries",
        topics=(DELIVERIES,),
        handlers=delivery_projection.HANDLERS,
        offsets=db.offsets,
    )
    network = ConsumerSpec(
        name="gateway-network",
        topics=(NODE_RECORDS,),
        handlers=network_projection.HANDLERS,
        offsets=db.offsets,
    )
    sockets.history = FeedHistory(database)
    producer = Producer(settings.kafka_bootstrap, "gateway")
    node = Node(
        settings=settings,
        db=database,
        producer=producer,
        consumers=[feeds, protocol, uploads, users, chats, deliveries, network],
        projections=[feeds, protocol, uploads, users, chats, deliveries, network],
        state_tables=[
            *db.STATE_TABLES,
            *read_model.STATE_TABLES,
            *discovery.STATE_TABLES,
            *notification_settings.STATE_TABLES,
            *inbox.STATE_TABLES,
            *chat_db.STATE_TABLES,
            *deliveries_store.STATE_TABLES,
            *network_adapters.STATE_TABLES,
        ],
        # The HTTP pods answer from the database however far the projections are behind
        # (100,000 deliveries of one notification are lag, not an outage).
        stuck_consumers_fail_readiness=False,
    )
    live = LiveFeed(
        settings.kafka_bootstrap, sockets, audience=Audience(database), committed=committed
    )
    node.tasks.append(live.run)
    node.readiness.checks["live feed"] = partial(_following, live)
    kubo = KuboClient(settings.ipfs_api)
    node.resources.push_async_callback(kubo.aclose)
    node.http_options = uvicorn_options(settings)
    node.app = create_app(
        settings,
        producer,
        database,
        sockets,
        node.readiness,
        kubo,
        waiters,
        _identity(settings, database),
    )
    return node


def _identity(settings: Settings, database: Database) -> NodeIdentity | None:
    peers = parse_peers(settings.peers_json)
    if not peers and not settings.network:
        return None
    key = NodeKey.load_or_create(settings.node_key_file or settings.data_dir / "node.key")
    return NodeIdentity(key, peers, database)


async def _following(live: LiveFeed) -> tuple[bool, str]:
    if live.following.is_set():
        return True, "at the end of every partition"
    return False, "not yet positioned"


SERVICE = ServiceSpec(name="gateway", settings=Settings, bootstrap=TOPICS.checked(bootstrap))
