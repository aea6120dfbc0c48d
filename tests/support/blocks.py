"""A memory block store that counts its puts, to tell a prepare step's puts from a handler's."""

from __future__ import annotations

from pushnode_shared.infra.ipfs import MemoryBlockStore


class CountingBlocks(MemoryBlockStore):
    """MemoryBlockStore with `puts`: how many times put was called."""

    def __init__(self) -> None:
        super().__init__()
        self.puts = 0

    async def put(self, data: bytes) -> str:
        self.puts += 1
        return await super().put(data)
