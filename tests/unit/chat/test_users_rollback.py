"""No rollback: a replayed registration, rotation or profile proof (GET /v2/users serves them
all, and they carry no nonce) is refused by the validator with 409 and a reason, so a wallet's
replaced key, profile or block list never returns."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from pushnode_shared.protocol.chat import sdk_hash
from tests.support.chat import ChatWallet, new_pgp_key

T0 = datetime(2026, 6, 1, tzinfo=UTC)


def signed_profile(wallet: ChatWallet, at: datetime, blocked: list[str]) -> dict[str, Any]:
    """The SDK's profile body, its PGP signature made at `at` (a signed creation time)."""
    profile = {"name": "Dana", "desc": None, "picture": None, "blockedUsersList": blocked}
    assert wallet.pgp is not None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        signature = str(wallet.pgp.sign(sdk_hash(profile), created=at))
    return {**profile, "verificationProof": "pgpv2:" + signature}


async def current(client: httpx.AsyncClient, wallet: ChatWallet) -> dict[str, Any]:
    answer = await client.get("/apis/v2/users/", params={"caip10": wallet.did})
    return dict(answer.json())


async def registered_then_rotated(
    client: httpx.AsyncClient,
) -> tuple[ChatWallet, dict[str, Any], dict[str, Any]]:
    wallet = ChatWallet()
    first = wallet.registration()
    assert (await client.post("/apis/v2/users/", json=first)).status_code == 201
    wallet.pgp = new_pgp_key()
    second = wallet.registration()
    rotated = await client.put(f"/apis/v2/users/{wallet.did}/auth", json=second)
    assert rotated.status_code == 200, rotated.text
    return wallet, first, second


class TestKeys:
    async def test_a_replayed_old_rotation_is_refused_and_the_new_key_stays(
        self, client: httpx.AsyncClient
    ) -> None:
        wallet, first, second = await registered_then_rotated(client)
        replay = await client.put(f"/apis/v2/users/{wallet.did}/auth", json=first)
        assert replay.status_code == 409
        assert replay.json()["error"]["reason"] == "KEY_SUPERSEDED"
        assert (await current(client, wallet))["publicKey"] == second["publicKey"]

    async def test_a_replayed_registration_is_refused(self, client: httpx.AsyncClient) -> None:
        wallet, first, second = await registered_then_rotated(client)
        replay = await client.post("/apis/v2/users/", json=first)
        assert replay.status_code == 409
        assert (await current(client, wallet))["publicKey"] == second["publicKey"]


class TestProfiles:
    async def test_a_replayed_old_profile_is_refused_and_the_block_list_stays(
        self, client: httpx.AsyncClient
    ) -> None:
        wallet = ChatWallet()
        await client.post("/apis/v2/users/", json=wallet.registration())
        url = f"/apis/v2/users/{wallet.did}/profile"
        blocking = signed_profile(wallet, T0, ["eip155:0x" + "b" * 40])
        unblocking = signed_profile(wallet, T0 + timedelta(minutes=1), [])
        for body in (blocking, unblocking):
            assert (await client.put(url, json=body)).status_code == 200
        again = await client.put(url, json=blocking)
        assert (again.status_code, again.json()["error"]["reason"]) == (409, "PROFILE_REPLAYED")
        never_sent = signed_profile(wallet, T0 - timedelta(minutes=1), ["eip155:0x" + "c" * 40])
        older = await client.put(url, json=never_sent)
        assert (older.status_code, older.json()["error"]["reason"]) == (409, "PROFILE_OUTDATED")
        assert (await current(client, wallet))["profile"]["blockedUsersList"] == []

    async def test_the_profile_in_force_replayed_is_refused(
        self, client: httpx.AsyncClient
    ) -> None:
        wallet = ChatWallet()
        await client.post("/apis/v2/users/", json=wallet.registration())
        body = signed_profile(wallet, T0, [])
        url = f"/apis/v2/users/{wallet.did}/profile"
        assert (await client.put(url, json=body)).status_code == 200
        again = await client.put(url, json=body)
        assert (again.status_code, again.json()["error"]["reason"]) == (409, "PROFILE_REPLAYED")
