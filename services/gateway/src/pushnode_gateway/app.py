"""create_app: the FastAPI app under /apis, wrapped by socket.io, plus health and metrics."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from socketio import ASGIApp

from pushnode_gateway.api import (
    channel_history,
    channel_reads,
    channels,
    chat,
    chat_reads,
    deliveries,
    feed_reads,
    feeds,
    ipfs,
    payloads,
    pushtokens,
    uploads,
    user_reads,
    users,
)
from pushnode_gateway.api.console import install_console
from pushnode_gateway.config import Settings
from pushnode_gateway.errors import install_error_handlers
from pushnode_gateway.network import routes as network_routes
from pushnode_gateway.network.peers import NodeIdentity
from pushnode_gateway.openapi import install_openapi
from pushnode_gateway.settling import Waiters
from pushnode_gateway.sockets import FeedSockets
from pushnode_shared.db import Database
from pushnode_shared.http_metrics import HttpMetrics
from pushnode_shared.ipfs import BlockStore
from pushnode_shared.kafka import Producer
from pushnode_shared.runtime import Readiness, health_routes


def create_app(
    settings: Settings,
    producer: Producer,
    database: Database,
    sockets: FeedSockets,
    readiness: Readiness,
    blocks: BlockStore | None = None,
    waiters: Waiters | None = None,
    node_identity: NodeIdentity | None = None,
) -> ASGIApp:
    """The gateway's ASGI app: REST under /apis, socket.io at /socket.io, health at the root."""
    api = FastAPI(title="pushnode gateway", version="0.1.0")
    api.state.settings, api.state.producer, api.state.db = settings, producer, database
    api.state.ipfs = blocks
    api.state.node_identity = node_identity  # None: not in a network (the node API says 404)
    api.state.waiters = waiters or Waiters()  # chat writes wait for the chat consumers
    api.add_middleware(
        CORSMiddleware,
        allow_origins=list(settings.cors_origins),
        allow_methods=["*"],
        allow_headers=["*"],
    )
    install_error_handlers(api)
    api.add_middleware(HttpMetrics)
    # channel_history first: its /v1/channels/search must win over /v1/channels/{channel}.
    for module in (channel_history, feed_reads, uploads):
        api.include_router(module.router, prefix="/apis")
    install_openapi(api)
    for module in (payloads, feeds, pushtokens, channels, channel_reads, user_reads, ipfs):
        api.include_router(module.router, prefix="/apis")
    for module in (users, chat, chat_reads):  # Push Chat (issue [E])
        api.include_router(module.router, prefix="/apis")
    api.include_router(deliveries.router, prefix="/apis")
    api.include_router(network_routes.router, prefix="/apis")
    for route in health_routes(readiness):
        api.router.routes.append(route)
    install_console(api, settings, readiness)
    return ASGIApp(sockets.server, other_asgi_app=api)
