"""kubo RPC client over httpx, and CIDs (ipfshttpclient refuses kubo >= 0.8; see README).

Storage writes blocks through it; the gateway reads them back for GET /apis/v1/ipfs/{cid}.
Every block is a raw block, so its CID is CIDv1(raw, sha2-256(bytes)) and anyone can check it.
"""

from __future__ import annotations

from typing import Protocol

import httpx
from multiformats import CID, multihash

from pushnode_shared.infra.context import TransientError
from pushnode_shared.infra.metrics import IPFS_PUT_SECONDS


class BlockNotFound(LookupError):
    """kubo does not hold the block (the node never fetches from the network)."""


class NotAFile(ValueError):
    """kubo holds the object, but it is not a file it can cat (a directory, another codec)."""


def cid_of(data: bytes) -> str:
    """CIDv1, raw codec, sha2-256, base32 — what kubo's block/put returns for the same bytes."""
    return str(CID("base32", 1, "raw", multihash.digest(data, "sha2-256")))


def parse_cid(text: str) -> CID:
    """Decode a CID string; ValueError when it is not one."""
    try:
        return CID.decode(text)
    except Exception as exc:  # multiformats raises several types for malformed input
        raise ValueError(f"not a CID: {text!r}") from exc


class BlockStore(Protocol):
    """Content-addressed blocks: put returns the CID, get returns the bytes."""

    async def put(self, data: bytes) -> str: ...

    async def get(self, cid: str) -> bytes: ...


class KuboClient:
    """Puts raw blocks (pinned) and reads them back through kubo's /api/v0 RPC."""

    def __init__(self, api_url: str, timeout: float = 30.0) -> None:
        self._http = httpx.AsyncClient(base_url=api_url.rstrip("/") + "/api/v0", timeout=timeout)

    async def put(self, data: bytes) -> str:
        """block/put with the raw codec and pin=true; returns the CID kubo computed."""
        params = {"cid-codec": "raw", "mhtype": "sha2-256", "pin": "true"}
        with IPFS_PUT_SECONDS.time():
            response = await self._post("/block/put", params=params, files={"data": data})
        return str(response.json()["Key"])

    async def get(self, cid: str) -> bytes:
        """block/get, offline: the stored bytes, or BlockNotFound at once (never a network wait)."""
        response = await self._http.post("/block/get", params={"arg": cid, "offline": "true"})
        if response.status_code == 500 and "not found" in response.text:
            raise BlockNotFound(cid)
        if response.status_code >= 500:
            raise TransientError(f"kubo /block/get: {response.status_code} {response.text[:200]}")
        response.raise_for_status()
        return response.content

    async def cat(self, cid: str, limit: int) -> bytes:
        """cat, offline: up to `limit` bytes of a UnixFS file (`ipfs add`); BlockNotFound at once.

        kubo answered, so a 500 other than "not found" is about the object (a directory, not
        UnixFS): NotAFile, not a reason to retry.
        """
        params = {"arg": cid, "offline": "true", "length": str(limit)}
        response = await self._http.post("/cat", params=params)
        if response.status_code == 500 and "not found" in response.text:
            raise BlockNotFound(cid)
        if response.status_code == 500:
            raise NotAFile(f"{cid}: {response.text[:200]}")
        if response.status_code > 500:
            raise TransientError(f"kubo /cat: {response.status_code} {response.text[:200]}")
        response.raise_for_status()
        return response.content

    async def unpin(self, cid: str) -> bool:
        """pin/rm: False when the CID was not pinned (kubo says so with a 500), True otherwise."""
        response = await self._http.post("/pin/rm", params={"arg": cid})
        if response.status_code == 500 and "not pinned" in response.text:
            return False
        if response.status_code >= 500:
            raise TransientError(f"kubo /pin/rm: {response.status_code} {response.text[:200]}")
        response.raise_for_status()
        return True

    async def ping(self) -> str:
        """The node's peer id; raises when kubo is down."""
        return str((await self._post("/id")).json()["ID"])

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._http.aclose()

    async def _post(self, path: str, **kwargs: object) -> httpx.Response:
        # kubo's RPC takes POST only; 5xx and connection errors mean "try later", not "drop".
        response = await self._http.post(path, **kwargs)  # type: ignore[arg-type]
        if response.status_code >= 500:
            raise TransientError(f"kubo {path}: {response.status_code} {response.text[:200]}")
        response.raise_for_status()
        return response


class MemoryBlockStore:
    """In-memory fake for unit tests; computes CIDs the same way kubo does for raw blocks."""

    def __init__(self) -> None:
        self.blocks: dict[str, bytes] = {}
        self.pinned: set[str] = set()

    async def put(self, data: bytes) -> str:
        cid = cid_of(data)
        self.blocks[cid] = data
        self.pinned.add(cid)
        return cid

    async def unpin(self, cid: str) -> bool:
        """Like kubo: the block stays until a garbage collection; only the pin goes."""
        if cid not in self.pinned:
            return False
        self.pinned.discard(cid)
        return True

    async def get(self, cid: str) -> bytes:
        if cid not in self.blocks:
            raise BlockNotFound(cid)
        return self.blocks[cid]

    async def cat(self, cid: str, limit: int) -> bytes:
        """Raw blocks are their own file content."""
        return (await self.get(cid))[:limit]
