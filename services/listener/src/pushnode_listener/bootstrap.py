"""Wires the listener: one poller per configured chain, and the cursor projection."""

from __future__ import annotations

import asyncio
from pathlib import Path

from pushnode_listener.adapters import db
from pushnode_listener.adapters.chain import ChainRpc
from pushnode_listener.adapters.heads import NewHeads, ws_url_of
from pushnode_listener.adapters.txproducer import TransactionalPublisher
from pushnode_listener.config import Settings
from pushnode_listener.gctune import tune_gc
from pushnode_listener.handlers import HANDLERS
from pushnode_listener.network.wiring import add_network
from pushnode_listener.poller import PRODUCER, ChainPoller, Resume, Tuning
from pushnode_shared.infra.consumer import ConsumerSpec
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.kafka import Producer
from pushnode_shared.infra.runtime import Check
from pushnode_shared.infra.service import Node, ServiceSpec
from pushnode_shared.infra.settings import SharedSettings
from pushnode_shared.protocol.chains import ChainConfig
from pushnode_shared.protocol.network.keys import NodeKey
from pushnode_shared.protocol.network.peers import parse_peers
from pushnode_shared.protocol.topics import (
    CHAIN_CURSORS,
    NODE_RECORDS,
    PROTOCOL_INPUTS,
    UPLOADS,
    ServiceTopics,
)

MIGRATIONS = Path(__file__).parent / "migrations"
# What this service reads and writes: the README table and (later) its Kafka ACLs.
# With peers, the network loops also read the inputs they record and node-records (their own
# aiokafka consumers, not projection consumers) and relay inputs to protocol-inputs and uploads.
TOPICS = ServiceTopics(
    consumes=(CHAIN_CURSORS,), produces=(PROTOCOL_INPUTS, CHAIN_CURSORS, NODE_RECORDS, UPLOADS)
)
# A chain counts as synced when its safe head is at most this many blocks ahead of the cursor.
SYNCED_WITHIN_BLOCKS = 5


async def bootstrap(settings: SharedSettings) -> Node:
    """Choose the real adapters for a running listener."""
    assert isinstance(settings, Settings)
    tune_gc()
    spec = ConsumerSpec(
        name="listener-cursors", topics=(CHAIN_CURSORS,), handlers=HANDLERS, offsets=db.offsets
    )
    database = Database(settings.db_url(), "listener", MIGRATIONS)
    producer = Producer(settings.kafka_bootstrap, PRODUCER)
    node = Node(
        settings=settings,
        db=database,
        producer=producer,
        consumers=[spec],
        projections=[spec],
        state_tables=db.STATE_TABLES,
    )
    peers = parse_peers(settings.peers_json)
    if peers or settings.network:
        key = NodeKey.load_or_create(settings.key_path())
        add_network(node, settings.kafka_bootstrap, key, peers, settings.sync_interval)
    for chain in settings.chains:
        tuning = Tuning(
            max_range=settings.max_block_range,
            finality=settings.finality_of(chain.chain_id),
            target_logs=settings.target_logs_per_range,
        )
        _add_poller(node, chain, tuning, settings)
    return node


def _add_poller(node: Node, chain: ChainConfig, tuning: Tuning, settings: Settings) -> None:
    rpc = ChainRpc(
        chain.rpc_url,
        chain_id=chain.chain_id,
        max_rps=settings.rate_limit.get(chain.chain_id),
        attempts=settings.rpc_attempts,
    )
    node.resources.push_async_callback(rpc.aclose)
    ws_url = settings.ws_urls.get(chain.chain_id) or ws_url_of(chain.rpc_url)
    heads = NewHeads(ws_url, chain.chain_id) if settings.websocket and ws_url else None

    async def resume_after_catch_up() -> Resume:
        # The cursor projection must have read every checkpoint before we trust it.
        await asyncio.gather(*(r.first_catch_up.wait() for r in node.runners))
        cursor = await db.load_cursor(node.db, chain.chain_id)
        return Resume(cursor, await db.load_window(node.db, chain.chain_id))

    # Its own transactional producer per chain: a range and its checkpoint commit together.
    publisher = TransactionalPublisher(
        settings.kafka_bootstrap, f"pushnode-listener-{chain.chain_id}", PRODUCER
    )
    node.resources.push_async_callback(publisher.stop)
    poller = ChainPoller(chain, rpc, publisher, resume_after_catch_up, tuning, heads)
    node.tasks.append(poller.run)

    node.readiness.checks[f"chain:{chain.chain_id}"] = chain_check(poller)


def chain_check(poller: ChainPoller) -> Check:
    """/readyz for one chain: failing while halted (with the reason) or far behind."""

    async def synced() -> tuple[bool, str]:
        if poller.halted is not None:
            return False, f"halted: {poller.halted}"
        if poller.next_block is None or poller.head is None:
            return False, "not started"
        cursor, safe = poller.next_block - 1, poller.head - poller.chain.confirmations
        return safe - cursor <= SYNCED_WITHIN_BLOCKS, f"cursor {cursor}, safe head {safe}"

    return synced


SERVICE = ServiceSpec(name="listener", settings=Settings, bootstrap=TOPICS.checked(bootstrap))
