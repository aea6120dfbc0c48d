"""Wires the validator: database, producer, the protocol-inputs, users and chat consumers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from pushnode_shared.infra.consumer import ConsumerSpec
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.ipfs import KuboClient
from pushnode_shared.infra.kafka import Producer
from pushnode_shared.infra.service import Node, ServiceSpec
from pushnode_shared.infra.settings import SharedSettings
from pushnode_shared.protocol.chains import ChainConfig
from pushnode_shared.protocol.topics import (
    CHATS,
    NODE_RECORDS,
    PROTOCOL_DECISIONS,
    PROTOCOL_INPUTS,
    USERS,
    ServiceTopics,
)
from pushnode_validator.adapters import db, pgp
from pushnode_validator.adapters.ipfs import PayloadFetcher
from pushnode_validator.adapters.watermark import UsersWatermark
from pushnode_validator.config import Settings
from pushnode_validator.domain.ratelimit import NO_LIMIT, RateLimit
from pushnode_validator.handlers import PRODUCER, Handlers
from pushnode_validator.handlers.chat import ChatHandlers
from pushnode_validator.handlers.users import UserKeyHandlers

MIGRATIONS = Path(__file__).parent / "migrations"
# What this service reads and writes: the README table and (later) its Kafka ACLs.
TOPICS = ServiceTopics(
    consumes=(PROTOCOL_INPUTS, USERS, CHATS),
    produces=(PROTOCOL_DECISIONS, CHATS, USERS, NODE_RECORDS),
)


USERS_CONSUMER = "validator-users"


def users_spec() -> ConsumerSpec:
    """The users judge (decisions back onto `users`) and the PGP key registry pgpv4 proofs are
    checked against: a fold of `users`."""
    return ConsumerSpec(
        name=USERS_CONSUMER,
        topics=(USERS,),
        handlers=UserKeyHandlers().mapping(),
        offsets=db.offsets,
    )


def chat_spec(keys: UsersWatermark | None = None) -> ConsumerSpec:
    """The chat judge: inputs on `chats` into decisions there, signatures checked by pgpy."""
    handlers = ChatHandlers(pgp.verify, keys.wait if keys is not None else None)
    return ConsumerSpec(
        name="validator-chat",
        topics=(CHATS,),
        handlers=handlers.mapping(),
        offsets=db.offsets,
        prepare=handlers.prepare,
    )


def make_handlers(
    chains: tuple[ChainConfig, ...],
    limit: RateLimit = NO_LIMIT,
    payloads: PayloadFetcher | None = None,
    keys_ready: Callable[[], Awaitable[None]] | None = None,
) -> Handlers:
    """The protocol-inputs handlers with the real pgpv4 check (adapters/pgp.py) injected."""
    return Handlers(chains, limit, payloads, keys_ready, pgp=pgp.check)


def consumer_spec(
    settings: Settings, kubo: KuboClient | None = None, keys: UsersWatermark | None = None
) -> ConsumerSpec:
    """Protocol state and decisions from protocol-inputs."""
    limit = RateLimit(burst=settings.rate_burst, per_second=settings.rate_per_second)
    ready = keys.wait if keys is not None else None
    handlers = make_handlers(settings.chains, limit, PayloadFetcher(kubo), ready)
    return ConsumerSpec(
        name="validator",
        topics=(PROTOCOL_INPUTS,),
        handlers=handlers.mapping(),
        offsets=db.offsets,
        prepare=handlers.prepare,
    )


async def bootstrap(settings: SharedSettings) -> Node:
    """Choose the real adapters for a running validator."""
    assert isinstance(settings, Settings)
    kubo = KuboClient(settings.ipfs_api)
    database = Database(settings.db_url(), "validator", MIGRATIONS)
    keys = UsersWatermark(settings.kafka_bootstrap, database, USERS_CONSUMER, db.offsets)
    # Its own watermark client: the two consumers wait on the users fold concurrently.
    chat_keys = UsersWatermark(settings.kafka_bootstrap, database, USERS_CONSUMER, db.offsets)
    spec, users, chat = consumer_spec(settings, kubo, keys), users_spec(), chat_spec(chat_keys)
    node = Node(
        settings=settings,
        db=database,
        producer=Producer(settings.kafka_bootstrap, PRODUCER),
        consumers=[users, spec, chat],
        # Keys first: a rebuild then judges pgpv4 proofs and chat against the whole key history.
        projections=[users, spec, chat],
        state_tables=db.STATE_TABLES,
    )
    node.resources.push_async_callback(kubo.aclose)
    node.resources.push_async_callback(keys.aclose)
    node.resources.push_async_callback(chat_keys.aclose)
    return node


SERVICE = ServiceSpec(name="validator", settings=Settings, bootstrap=TOPICS.checked(bootstrap))
