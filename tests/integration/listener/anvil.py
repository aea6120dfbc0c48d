"""Helpers for the listener on real anvil and Kafka: redirected topics, read-back, JSON-RPC."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from web3 import Web3

from pushnode_listener.adapters.chain import ChainRpc
from pushnode_listener.poller import ChainPoller, Publisher, Resume, Tuning
from pushnode_shared.infra.envelope import Envelope, from_record
from pushnode_shared.infra.kafka import ensure_topics
from pushnode_shared.protocol.chains import ChainConfig
from pushnode_shared.protocol.topics import CHAIN_CURSORS, PROTOCOL_INPUTS, Topic
from tests.support.devchain import deploy_module

RPC = {11155111: "http://127.0.0.1:8545", 80002: "http://127.0.0.1:8546"}


class Redirected:
    """The real Kafka producer, writing the listener's two topics to this test's own copies."""

    def __init__(self, producer: Publisher, inputs: Topic, cursors: Topic) -> None:
        self.producer = producer
        self.topics = {PROTOCOL_INPUTS.name: inputs, CHAIN_CURSORS.name: cursors}

    async def publish(self, topic: Topic, envelope: Envelope) -> None:
        await self.publish_many([(topic, envelope)])

    async def publish_many(self, items: Sequence[tuple[Topic, Envelope]]) -> None:
        await self.producer.publish_many([(self.topics[t.name], e) for t, e in items])


async def fresh_topics(kafka: str) -> tuple[Topic, Topic]:
    """Fresh copies of protocol-inputs (3 partitions) and chain-cursors (1) for one test."""
    tag = uuid.uuid4().hex[:8]
    inputs = Topic(f"itest-inputs-{tag}", key="channel", carries="test", partitions=3)
    cursors = Topic(f"itest-cursors-{tag}", key="chain", carries="test", partitions=1)
    await ensure_topics(kafka, [inputs, cursors])
    return inputs, cursors


async def read_all(kafka: str, topic: Topic) -> list[Envelope]:
    """Every committed record of a topic, partition by partition, in offset order."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka, enable_auto_commit=False, isolation_level="read_committed"
    )
    await consumer.start()
    try:
        parts = [TopicPartition(topic.name, p) for p in range(topic.partitions)]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        ends = await consumer.end_offsets(parts)
        out: list[Envelope] = []
        for _ in range(600):  # a minute at most
            if not [tp for tp in parts if await consumer.position(tp) < ends[tp]]:
                break
            batch = await consumer.getmany(timeout_ms=100)
            for records in batch.values():
                out.extend(from_record(r.value, r.headers) for r in records)
        return out
    finally:
        await consumer.stop()


def make_poller(
    chain_id: int,
    start_block: int,
    publisher: Redirected,
    *,
    finality: int = 64,
    rpc_url: str | None = None,
    comm: str | None = None,
    max_range: int = 2000,
    target_logs: int = 1000,
) -> ChainPoller:
    """An in-process poller for one dev chain, from `start_block`, with a real RPC client.

    `rpc_url` puts something (a faulty proxy, a dead port) in front of the chain; `comm`
    follows another contract (a LogBurst) instead of the chain's Core and Comm.
    """
    deploy = deploy_module()
    chain = ChainConfig(
        chain_id=chain_id,
        rpc_url=rpc_url or RPC[chain_id],
        comm=(comm or deploy.CHAINS[chain_id].comm).lower(),
        core=None if comm else (deploy.CHAINS[chain_id].core or "").lower() or None,
        start_block=start_block,
        poll_seconds=0.2,
    )

    async def fresh() -> Resume:
        return Resume(None)

    tuning = Tuning(max_range=max_range, finality=finality, target_logs=target_logs)
    rpc = ChainRpc(chain.rpc_url, chain_id=chain_id, max_delay=0.5)
    return ChainPoller(chain, rpc, publisher, fresh, tuning)


def rpc(w3: Web3, method: str, *params: Any) -> Any:
    """A raw anvil call; raises on a JSON-RPC error."""
    response = w3.provider.make_request(method, list(params))  # type: ignore[arg-type]
    if response.get("error"):
        raise RuntimeError(f"{method}: {response['error']}")
    return response["result"]
