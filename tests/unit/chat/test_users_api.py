"""POST/GET /apis/v2/users/: eip191v2-signed PGP profiles, stubs, rotation, profiles."""

from __future__ import annotations

import json

import httpx
import pytest

from pushnode_shared.protocol.chat import sdk_hash
from tests.support.chat import ChatWallet, new_pgp_key, pgp_sign


@pytest.fixture(scope="module")
def alice() -> ChatWallet:
    return ChatWallet(pgp=new_pgp_key())


async def test_a_registered_user_reads_back_with_the_fields_the_sdk_checks(
    client: httpx.AsyncClient, alice: ChatWallet
) -> None:
    body = alice.registration()
    created = await client.post("/apis/v2/users/", json=body)
    assert created.status_code == 201, created.text
    got = (await client.get("/apis/v2/users/", params={"caip10": alice.did})).json()
    assert got["did"] == alice.did and got["wallets"] == alice.did
    assert got["publicKey"] == body["publicKey"]
    assert got["encryptedPrivateKey"] == body["encryptedPrivateKey"]
    assert got["verificationProof"] == body["verificationProof"]
    assert got["profile"]["blockedUsersList"] == []


async def test_an_unknown_address_reads_as_null(client: httpx.AsyncClient) -> None:
    response = await client.get("/apis/v2/users/", params={"caip10": ChatWallet().did})
    assert response.status_code == 200 and response.json() is None


async def test_a_registration_signed_by_another_wallet_is_refused(
    client: httpx.AsyncClient, alice: ChatWallet
) -> None:
    mallory = ChatWallet(pgp=alice.pgp)
    body = {**mallory.registration(), "caip10": alice.did, "did": alice.did}
    response = await client.post("/apis/v2/users/", json=body)
    assert response.status_code == 403
    assert response.json()["error"]["reason"] == "SIGNER_NOT_WALLET"


async def test_a_plaintext_private_key_is_never_accepted(
    client: httpx.AsyncClient, alice: ChatWallet
) -> None:
    assert alice.pgp is not None
    body = ChatWallet(pgp=alice.pgp).registration(encrypted_private_key=str(alice.pgp))
    response = await client.post("/apis/v2/users/", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["reason"] == "PLAINTEXT_PRIVATE_KEY"


async def test_a_private_key_in_the_public_key_field_is_refused(
    client: httpx.AsyncClient, alice: ChatWallet
) -> None:
    assert alice.pgp is not None
    wallet = ChatWallet(pgp=alice.pgp)
    body = wallet.registration()
    body["publicKey"] = json.dumps({"key": str(alice.pgp), "signature": "DEPRECATED"})
    response = await client.post("/apis/v2/users/", json=body)
    assert response.status_code in (400, 403)


async def test_a_stub_becomes_a_full_user_when_the_wallet_registers_keys(
    client: httpx.AsyncClient,
) -> None:
    bob = ChatWallet()
    stub = {"caip10": bob.did, "did": bob.did, "publicKey": "", "encryptedPrivateKey": ""}
    assert (await client.post("/apis/v2/users/", json=stub)).status_code == 201
    assert (await client.get("/apis/v2/users/", params={"caip10": bob.did})).json()[
        "publicKey"
    ] == ""
    registered = await client.post("/apis/v2/users/", json=bob.registration())
    assert registered.status_code == 201
    assert "PGP PUBLIC KEY" in registered.json()["publicKey"]


async def test_keys_rotate_only_with_the_wallets_signature(client: httpx.AsyncClient) -> None:
    carol = ChatWallet()
    await client.post("/apis/v2/users/", json=carol.registration())
    carol.pgp = new_pgp_key()
    body = carol.registration()
    rotated = await client.put(f"/apis/v2/users/{carol.did}/auth", json=body)
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["publicKey"] == carol.public_key
    forged = {**body, "verificationProof": ChatWallet().registration()["verificationProof"]}
    refused = await client.put(f"/apis/v2/users/{carol.did}/auth", json=forged)
    assert refused.status_code == 403


async def test_a_profile_update_needs_the_users_pgp_signature(client: httpx.AsyncClient) -> None:
    dave = ChatWallet()
    await client.post("/apis/v2/users/", json=dave.registration())
    profile = {"name": "Dave", "desc": "hi", "picture": None, "blockedUsersList": []}
    assert dave.pgp is not None
    good = {**profile, "verificationProof": "pgpv2:" + pgp_sign(dave.pgp, sdk_hash(profile))}
    updated = await client.put(f"/apis/v2/users/{dave.did}/profile", json=good)
    assert updated.status_code == 200 and updated.json()["profile"]["name"] == "Dave"
    bad = {**good, "name": "Eve"}
    refused = await client.put(f"/apis/v2/users/{dave.did}/profile", json=bad)
    assert refused.status_code == 403


async def test_batch_returns_the_known_users(client: httpx.AsyncClient, alice: ChatWallet) -> None:
    await client.post("/apis/v2/users/", json=alice.registration())
    response = await client.post(
        "/apis/v2/users/batch", json={"userIds": [alice.did, ChatWallet().did]}
    )
    assert [u["did"] for u in response.json()["users"]] == [alice.did]
