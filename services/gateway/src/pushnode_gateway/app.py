"""create_app: the FastAPI app under /apis, wrapped by socket.io, plus health and metrics."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from socketio import ASGIApp

from pushnode_gateway.channels.routes import history as channel_history
from pushnode_gateway.channels.routes import opt_in, wallets
from pushnode_gateway.channels.routes import reads as channel_reads
from pushnode_gateway.channels.routes import tags as channel_tags
from pushnode_gateway.chat.routes import reads as chat_reads
from pushnode_gateway.chat.routes import writes as chat_writes
from pushnode_gateway.config import Settings
from pushnode_gateway.deliveries.routes import status as delivery_status
from pushnode_gateway.deliveries.routes import tokens
from pushnode_gateway.edge.docs import install_docs
from pushnode_gateway.edge.guard import EdgeGuard
from pushnode_gateway.edge.headers import SecurityHeaders
from pushnode_gateway.errors import install_error_handlers
from pushnode_gateway.feeds.routes import channel_feeds, inbox, send
from pushnode_gateway.network import routes as network_routes
from pushnode_gateway.network.peers import NodeIdentity
from pushnode_gateway.node.console import install_console
from pushnode_gateway.openapi import install_openapi
from pushnode_gateway.settling import Waiters
from pushnode_gateway.sockets.server import FeedSockets
from pushnode_gateway.uploads.routes import ipfs, upload
from pushnode_gateway.users import routes as users
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.http_metrics import HttpMetrics
from pushnode_shared.infra.ipfs import BlockStore
from pushnode_shared.infra.kafka import Producer
from pushnode_shared.infra.runtime import Readiness, health_routes

# Every feature's routers under /apis, in match order: a feature is one line here.
# channel_history first: its /v1/channels/search must win over /v1/channels/{channel}.
ROUTERS: list[APIRouter] = [
    channel_tags.router,  # before the routes whose `{channel}` would match `search`
    channel_history.router,
    channel_feeds.router,
    upload.router,
    send.router,
    inbox.router,
    tokens.router,
    opt_in.router,
    channel_reads.router,
    wallets.router,
    ipfs.router,
    users.router,  # Push Chat (issue [E]): profiles, writes, reads
    chat_writes.router,
    chat_reads.router,
    delivery_status.router,
    network_routes.router,  # the node network (issue [J]): records, peers, state hash
]


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
    api = FastAPI(title="pushnode gateway", version="0.1.0", docs_url=None, redoc_url=None)
    api.state.settings, api.state.producer, api.state.db = settings, producer, database
    api.state.ipfs = blocks
    api.state.node_identity = node_identity  # None: not in a network (the node API says 404)
    api.state.waiters = waiters or Waiters()  # chat writes wait for the chat consumers
    # Middleware added last runs first: metrics, headers, CORS, then the edge's limits.
    api.add_middleware(EdgeGuard, settings=settings)
    api.add_middleware(
        CORSMiddleware,
        allow_origins=list(settings.cors_origins),
        allow_methods=["*"],
        allow_headers=["*"],
    )
    install_error_handlers(api)
    api.add_middleware(SecurityHeaders)
    api.add_middleware(HttpMetrics)
    install_openapi(api)
    install_docs(api)
    for router in ROUTERS:
        api.include_router(router, prefix="/apis")
    for route in health_routes(readiness):
        api.router.routes.append(route)
    install_console(api, settings, readiness)
    return ASGIApp(sockets.server, other_asgi_app=api)
