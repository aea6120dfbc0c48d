"""The kubo adapter and its in-memory fake agree on CIDs; ipfshttpclient cannot talk to kubo."""

from __future__ import annotations

import os
import secrets
import warnings
from collections.abc import AsyncIterator

import pytest

from pushnode_shared.infra.ipfs import BlockStore, KuboClient, MemoryBlockStore, cid_of

IPFS_API = os.environ.get("IPFS_API", "http://127.0.0.1:5001")


@pytest.fixture(params=["kubo", "memory"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[BlockStore]:
    if request.param == "memory":
        yield MemoryBlockStore()
        return
    kubo = KuboClient(IPFS_API)
    yield kubo
    await kubo.aclose()


class TestBlockStoreContract:
    async def test_put_returns_the_cid_anyone_can_recompute_from_the_bytes(
        self, store: BlockStore
    ) -> None:
        data = b'{"hello":"' + secrets.token_hex(8).encode() + b'"}'
        assert await store.put(data) == cid_of(data)

    async def test_what_was_put_comes_back_byte_for_byte(self, store: BlockStore) -> None:
        data = secrets.token_bytes(2048)
        cid = await store.put(data)
        assert await store.get(cid) == data

    async def test_putting_the_same_bytes_twice_is_idempotent(self, store: BlockStore) -> None:
        data = secrets.token_bytes(64)
        assert await store.put(data) == await store.put(data)


async def test_kubo_pins_what_storage_puts() -> None:
    kubo = KuboClient(IPFS_API)
    try:
        cid = await kubo.put(secrets.token_bytes(32))
        response = await kubo._post("/pin/ls", params={"arg": cid, "type": "recursive"})
        assert cid in response.json()["Keys"]
    finally:
        await kubo.aclose()


async def test_kubo_unpins_an_upload_once_and_then_says_it_was_not_pinned() -> None:
    kubo = KuboClient(IPFS_API)
    try:
        cid = await kubo.put(secrets.token_bytes(32))
        assert await kubo.unpin(cid) is True
        response = await kubo._http.post("/pin/ls", params={"arg": cid, "type": "recursive"})
        # kubo answers a CID it does not pin with an error naming it, not with an empty list.
        assert response.status_code == 500 and "not pinned" in response.text
        assert await kubo.unpin(cid) is False
    finally:
        await kubo.aclose()


def test_ipfshttpclient_named_by_the_design_card_refuses_this_kubo() -> None:
    """Why the storage adapter speaks kubo's RPC with httpx instead (see README)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the 2021 package warns on import under urllib3 2
        import ipfshttpclient
        from ipfshttpclient.exceptions import VersionMismatch

        host, port = IPFS_API.removeprefix("http://").split(":")
        with pytest.raises(VersionMismatch, match=r"0\.36"):
            ipfshttpclient.connect(f"/ip4/{host}/tcp/{port}/http")
