"""The gateway app with its chat consumers, the validator's and storage's run in-process.

Whatever the app publishes goes straight through the handlers that would consume it
(validator-users, validator-chat, storage-chat, gateway-users, gateway-chat), each in its own
database transaction, so a write is judged and visible to the next request as it is with the
real Kafka loop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from pushnode_gateway.app import create_app
from pushnode_gateway.bootstrap import MIGRATIONS as GATEWAY_MIGRATIONS
from pushnode_gateway.chat import projection as chat_projection
from pushnode_gateway.config import Settings
from pushnode_gateway.sockets.live import PUSHES
from pushnode_gateway.sockets.server import FeedSockets
from pushnode_gateway.users import projection as user_projection
from pushnode_shared.infra.consumer import Handler, HandlerContext
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.infra.ipfs import MemoryBlockStore
from pushnode_shared.infra.runtime import Readiness
from pushnode_shared.protocol.events import unwrap
from pushnode_shared.protocol.topics import Topic
from pushnode_shared.testing import InMemoryProducer
from pushnode_storage.bootstrap import MIGRATIONS as STORAGE_MIGRATIONS
from pushnode_storage.chat import ChatStorage
from pushnode_validator.adapters import pgp as validator_pgp
from pushnode_validator.bootstrap import MIGRATIONS as VALIDATOR_MIGRATIONS
from pushnode_validator.handlers.chat import ChatHandlers
from pushnode_validator.handlers.users import UserKeyHandlers
from tests.support.chat import ChatWallet, new_pgp_key
from tests.support.databases import migrated_sqlite


class RecordingSockets(FeedSockets):
    """The real socket server, with CHATS pushes recorded per DID."""

    def __init__(self) -> None:
        super().__init__()
        self.chats: list[tuple[str, dict[str, Any]]] = []

    async def push_chat(self, did: str, event: dict[str, Any]) -> None:
        self.chats.append((did, event))


class LoopProducer(InMemoryProducer):
    """Records each envelope and runs it through its consumer's handler at once."""

    def __init__(self) -> None:
        super().__init__()
        self.routes: dict[str, list[tuple[Database, Handler]]] = {}
        self.live: FeedSockets | None = None

    def route(self, database: Database, mapping: dict[str, Handler]) -> None:
        for event_type, handler in mapping.items():
            self.routes.setdefault(event_type, []).append((database, handler))

    async def publish(self, topic: Topic, envelope: Envelope) -> None:
        await super().publish(topic, envelope)
        for database, handler in self.routes.get(envelope.type, []):
            async with database.transaction() as session:
                ctx = HandlerContext(session=session, replay=False)
                await handler(ctx, envelope)
                await ctx.flush()  # buffered rows, as the consumer writes them before committing
            for out_topic, out in ctx.outbox:
                await self.publish(out_topic, out)
            for effect in ctx.after_commit:
                await effect()
        if self.live is not None and envelope.type in PUSHES:
            await PUSHES[envelope.type](self.live, unwrap(envelope))


@pytest.fixture
def blocks() -> MemoryBlockStore:
    return MemoryBlockStore()


@pytest.fixture
def sockets() -> RecordingSockets:
    return RecordingSockets()


@pytest.fixture
async def gateway_db(tmp_path: Path) -> AsyncIterator[Database]:
    async with migrated_sqlite(tmp_path / "gateway.sqlite", "gateway", GATEWAY_MIGRATIONS) as db:
        yield db


@pytest.fixture
async def storage_db(tmp_path: Path) -> AsyncIterator[Database]:
    async with migrated_sqlite(tmp_path / "storage.sqlite", "storage", STORAGE_MIGRATIONS) as db:
        yield db


@pytest.fixture
async def validator_db(tmp_path: Path) -> AsyncIterator[Database]:
    async with migrated_sqlite(
        tmp_path / "validator.sqlite", "validator", VALIDATOR_MIGRATIONS
    ) as db:
        yield db


@pytest.fixture
def producer(
    gateway_db: Database,
    storage_db: Database,
    validator_db: Database,
    blocks: MemoryBlockStore,
    sockets: RecordingSockets,
) -> LoopProducer:
    loop = LoopProducer()
    loop.route(validator_db, UserKeyHandlers().mapping())
    loop.route(validator_db, ChatHandlers(validator_pgp.verify).mapping())
    loop.route(storage_db, {"ChatMessageAccepted": ChatStorage(blocks).on_chat_message_accepted})
    loop.route(gateway_db, user_projection.HANDLERS)
    loop.route(gateway_db, chat_projection.HANDLERS)
    loop.live = sockets  # CHATS come from the live feed, as in a running gateway
    return loop


@pytest.fixture
async def client(
    producer: LoopProducer,
    gateway_db: Database,
    blocks: MemoryBlockStore,
    sockets: RecordingSockets,
    tmp_path: Path,
) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(PUSHNODE_DATA_DIR=tmp_path)  # type: ignore[call-arg]
    app = create_app(settings, producer, gateway_db, sockets, Readiness(), blocks)  # type: ignore[arg-type]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as test_client:
        yield test_client


@pytest.fixture(scope="module")
def keys() -> list[object]:
    """Three PGP keys, made once a module: making one is slow."""
    return [new_pgp_key() for _ in range(3)]


@pytest.fixture
async def pair(client: httpx.AsyncClient, keys: list[object]) -> tuple[ChatWallet, ChatWallet]:
    a, b = ChatWallet(pgp=keys[0]), ChatWallet(pgp=keys[1])  # type: ignore[arg-type]
    for wallet in (a, b):
        assert (await client.post("/apis/v2/users/", json=wallet.registration())).status_code == 201
    return a, b
