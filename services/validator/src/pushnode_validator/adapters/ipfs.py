"""Reads the payloads of `1+<cid>` identities from kubo (offline: only what this node holds)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping

from pushnode_shared.infra.ipfs import (
    BlockNotFound,
    KuboClient,
    MemoryBlockStore,
    NotAFile,
    parse_cid,
)
from pushnode_shared.protocol.payloads import PAYLOAD_MAX_BYTES
from pushnode_validator.domain.channel_meta import META_MAX_BYTES
from pushnode_validator.domain.identities import ipfs_cid


class PayloadFetcher:
    """CID -> bytes (None: not on this node). Raw blocks by block/get, UnixFS files by cat.

    A batch's CIDs are fetched together by `prefetch`; the cache holds only the last batch.
    kubo being down raises TransientError: the batch waits, nothing is judged without it.
    """

    def __init__(self, store: KuboClient | MemoryBlockStore | None) -> None:
        self.store = store
        self._cache: dict[str, bytes | None] = {}

    async def prefetch(self, cids: Iterable[str]) -> None:
        """Fetch these CIDs concurrently, replacing the previous batch's cache."""
        wanted = sorted(set(cids))
        found = await asyncio.gather(*(self._fetch(c) for c in wanted))
        self._cache = dict(zip(wanted, found, strict=True))

    async def blocks_for(self, identity: str) -> Mapping[str, bytes | None]:
        """{cid: bytes | None} for a type-1 identity; empty for any other identity."""
        cid = ipfs_cid(identity)
        if cid is None:
            return {}
        if cid not in self._cache:
            self._cache[cid] = await self._fetch(cid)
        return {cid: self._cache[cid]}

    async def _fetch(self, cid: str) -> bytes | None:
        if self.store is None:
            return None
        # One byte over the limit is enough for the size check to refuse it.
        limit = PAYLOAD_MAX_BYTES + 1
        try:
            if parse_cid(cid).codec.name == "raw":
                return (await self.store.get(cid))[:limit]
            return await self.store.cat(cid, limit)
        except BlockNotFound:
            return None
        except NotAFile:
            return b""  # judged as a payload that is not JSON


async def fetch_metadata(store: KuboClient | MemoryBlockStore | None, cid: str) -> bytes | None:
    """The object's bytes, offline; None when absent, not a file, or over the limit."""
    if store is None:
        return None
    try:
        if parse_cid(cid).codec.name == "raw":
            data = await store.get(cid)
        else:
            data = await store.cat(cid, META_MAX_BYTES + 1)
    except (BlockNotFound, NotAFile):
        return None
    return data if len(data) <= META_MAX_BYTES else None
