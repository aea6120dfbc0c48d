"""Putting a batch's blocks into the block store side by side, before the handlers run."""

from __future__ import annotations

import asyncio

from pushnode_shared.infra.ipfs import BlockStore


async def put_all(blocks: BlockStore, datas: list[bytes], parallel: int) -> dict[bytes, str]:
    """Put every block, at most `parallel` at once; the CID the store returned, by block."""
    gate = asyncio.Semaphore(parallel)
    done: dict[bytes, str] = {}

    async def put(data: bytes) -> None:
        async with gate:
            done[data] = await blocks.put(data)

    await asyncio.gather(*(put(d) for d in datas))
    return done
