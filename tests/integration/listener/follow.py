"""One chain's listener as a process of its own, on a test's own topics: what the SIGKILL test
kills and restarts.

It starts like the service: the resume point is the fold of the chain-cursors records through
the real projection handlers (into a fresh SQLite), and each range goes out in one Kafka
transaction with the transactional id the chain keeps across restarts. It prints
`emitted <block>` after each range and exits once past --until.

    python -m tests.integration.listener.follow --chain 80002 --rpc http://127.0.0.1:8546 \
        --comm 0x… --start 120 --until 140 --inputs itest-inputs-… --cursors itest-cursors-…
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from pushnode_listener.adapters.chain import ChainRpc
from pushnode_listener.adapters.txproducer import TransactionalPublisher
from pushnode_listener.poller import PRODUCER, ChainPoller, Resume, Tuning
from pushnode_shared.infra.consumer import TRANSIENT
from pushnode_shared.protocol.chains import ChainConfig
from pushnode_shared.protocol.topics import Topic
from tests.integration.listener.anvil import Redirected, read_all
from tests.unit.listener.support import projected


async def follow(args: argparse.Namespace) -> None:
    inputs = Topic(args.inputs, key="channel", carries="test", partitions=3)
    cursors = Topic(args.cursors, key="chain", carries="test", partitions=1)
    publisher = TransactionalPublisher(args.kafka, f"itest-{args.cursors}", PRODUCER)
    rpc = ChainRpc(args.rpc, chain_id=args.chain, max_delay=0.5)

    async def resume() -> Resume:
        records = await read_all(args.kafka, cursors)
        with tempfile.TemporaryDirectory() as tmp:
            return await projected(Path(tmp), records, args.chain)

    chain = ChainConfig(
        chain_id=args.chain, rpc_url=args.rpc, comm=args.comm, start_block=args.start
    )
    tuning = Tuning(max_range=args.max_range, finality=16, target_logs=10_000)
    poller = ChainPoller(chain, rpc, Redirected(publisher, inputs, cursors), resume, tuning)
    try:
        while poller.next_block is None or poller.next_block <= args.until:
            try:
                progressed = await poller.step()
            except TRANSIENT:
                await asyncio.sleep(0.2)
                continue
            if progressed and poller.next_block is not None:
                print(f"emitted {poller.next_block - 1}", flush=True)
            else:
                await asyncio.sleep(0.1)
    finally:
        await publisher.stop()
        await rpc.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kafka", default="127.0.0.1:9092")
    parser.add_argument("--chain", type=int, required=True)
    parser.add_argument("--rpc", required=True)
    parser.add_argument("--comm", required=True)
    parser.add_argument("--start", type=int, required=True)
    parser.add_argument("--until", type=int, required=True)
    parser.add_argument("--inputs", required=True)
    parser.add_argument("--cursors", required=True)
    parser.add_argument("--max-range", type=int, default=1)
    asyncio.run(follow(parser.parse_args()))


if __name__ == "__main__":
    main()
