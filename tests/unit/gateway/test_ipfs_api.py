"""GET /apis/v1/ipfs/{cid} serves only bytes that hash to the CID asked for."""

from __future__ import annotations

import httpx

from pushnode_shared.infra.ipfs import MemoryBlockStore, cid_of


async def test_a_stored_json_object_comes_back_as_json(
    client: httpx.AsyncClient, blocks: MemoryBlockStore
) -> None:
    cid = await blocks.put(b'{"kind":"notification"}')
    response = await client.get(f"/apis/v1/ipfs/{cid}")
    assert response.status_code == 200
    assert response.json() == {"kind": "notification"}


async def test_bytes_that_do_not_match_the_cid_are_never_served(
    client: httpx.AsyncClient, blocks: MemoryBlockStore
) -> None:
    cid = cid_of(b"the real content")
    blocks.blocks[cid] = b"something else"
    response = await client.get(f"/apis/v1/ipfs/{cid}")
    assert response.status_code == 502
    assert response.json()["error"]["reason"] == "CID_MISMATCH"


async def test_an_unknown_cid_is_a_404(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/apis/v1/ipfs/{cid_of(b'never stored')}")
    assert response.status_code == 404


async def test_a_string_that_is_not_a_cid_is_a_400(client: httpx.AsyncClient) -> None:
    response = await client.get("/apis/v1/ipfs/not-a-cid")
    assert (response.status_code, response.json()["error"]["reason"]) == (400, "BAD_CID")
