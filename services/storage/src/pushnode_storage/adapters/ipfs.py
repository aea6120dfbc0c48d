"""kubo RPC adapter over httpx (ipfshttpclient refuses kubo >= 0.8; see README)."""

from __future__ import annotations

from typing import Protocol

import httpx

from pushnode_shared.consumer import TransientError


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
        response = await self._post("/block/put", params=params, files={"data": data})
        return str(response.json()["Key"])

    async def get(self, cid: str) -> bytes:
        """block/get: the stored bytes."""
        return (await self._post("/block/get", params={"arg": cid})).content

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

    async def put(self, data: bytes) -> str:
        from pushnode_storage.domain import cid_of

        cid = cid_of(data)
        self.blocks[cid] = data
        return cid

    async def get(self, cid: str) -> bytes:
        return self.blocks[cid]
