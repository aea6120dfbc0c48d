"""The channel and user read API answers in the SDK's shapes, from the registry rows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from pushnode_gateway.app import create_app
from pushnode_gateway.bootstrap import MIGRATIONS
from pushnode_gateway.channels import projection
from pushnode_gateway.config import Settings
from pushnode_gateway.sockets.server import FeedSockets
from pushnode_shared.infra.consumer import HandlerContext
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.runtime import Readiness
from pushnode_shared.protocol.events import (
    ChannelCreated,
    ChannelStateChanged,
    DelegateAdded,
    Event,
    SubscriptionAdded,
    wrap,
)
from pushnode_shared.testing import InMemoryProducer

SEPOLIA, AMOY = 11155111, 80002
CHANNEL = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
OTHER = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65"
BLOCKED = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc"
ALICE = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
BOB = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
CAIP = f"eip155:{SEPOLIA}:{CHANNEL}"


def facts() -> list[Event]:
    created = [
        ChannelCreated(
            channel=c.lower(),
            chain_id=SEPOLIA,
            channel_type=2,
            identity=f"1+cid-{n}",
            block_number=n,
        )
        for n, c in enumerate((CHANNEL, OTHER, BLOCKED))
    ]
    return [
        *created,
        SubscriptionAdded(channel=CHANNEL.lower(), subscriber=ALICE.lower(), chain_id=SEPOLIA),
        SubscriptionAdded(channel=CHANNEL.lower(), subscriber=BOB.lower(), chain_id=AMOY),
        SubscriptionAdded(channel=OTHER.lower(), subscriber=ALICE.lower(), chain_id=SEPOLIA),
        DelegateAdded(channel=CHANNEL.lower(), delegate=BOB.lower(), chain_id=SEPOLIA),
        DelegateAdded(channel=CHANNEL.lower(), delegate=ALICE.lower(), chain_id=AMOY),
        ChannelStateChanged(
            channel=BLOCKED.lower(), chain_id=SEPOLIA, active=False, cause="blocked"
        ),
    ]


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(PUSHNODE_DATA_DIR=tmp_path)  # type: ignore[call-arg]
    database = Database(settings.db_url(), "gateway", MIGRATIONS)
    await database.upgrade()
    handlers = projection.HANDLERS
    for event in facts():
        envelope = wrap(event, producer="validator")
        async with database.transaction() as session:
            await handlers[envelope.type](HandlerContext(session=session, replay=False), envelope)
    app = create_app(settings, InMemoryProducer(), database, FeedSockets(), Readiness())  # type: ignore[arg-type]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as test_client:
        yield test_client
    await database.dispose()


async def test_a_channel_is_served_with_the_fields_the_sdk_reads(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/apis/v1/channels/{CAIP}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["channel"] == CHANNEL
    assert body["ipfshash"] == "cid-0"
    assert body["subscriber_count"] == 2
    assert (body["activation_status"], body["blocked"], body["verified_status"]) == (1, 0, 0)
    assert (body["alias_address"], body["is_alias_verified"]) == (None, 0)
    assert [body[k] for k in ("name", "info", "url", "icon")] == [None] * 4
    assert (body["chain_id"], body["channel_type"], body["created_block"]) == (SEPOLIA, 2, 0)


async def test_a_channel_is_found_by_a_bare_address_too(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/apis/v1/channels/{CHANNEL.lower()}")
    assert response.json()["channel"] == CHANNEL


async def test_an_unknown_channel_is_a_404_with_a_reason(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/apis/v1/channels/eip155:{SEPOLIA}:{ALICE}")
    assert response.status_code == 404
    assert response.json()["error"]["reason"] == "UNKNOWN_CHANNEL"


@pytest.mark.parametrize(
    "path",
    [
        "/apis/v1/channels/eip155:1:0x1234",
        "/apis/v1/channels/nonsense/subscribers",
        "/apis/v1/channels/eip155:1:2:3/delegates",
        "/apis/v1/users/0xnope/subscriptions",
        f"/apis/v1/users/{ALICE}/subscriptions?channel=bad",
        "/apis/v1/users/eip155:x:0x12/delegations",
    ],
)
async def test_a_bad_address_is_a_400_with_a_reason(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 400
    assert response.json()["error"]["reason"] == "BAD_ADDRESS"


async def test_the_channel_list_is_most_subscribers_first_without_blocked_channels(
    client: httpx.AsyncClient,
) -> None:
    body = (
        await client.get("/apis/v1/channels?page=1&limit=10&sort=subscribers&order=desc")
    ).json()
    assert body["itemcount"] == 2
    assert [(c["channel"], c["subscriber_count"]) for c in body["channels"]] == [
        (CHANNEL, 2),
        (OTHER, 1),
    ]
    ascending = (await client.get("/apis/v1/channels?order=asc&limit=1&page=2")).json()
    assert [c["channel"] for c in ascending["channels"]] == [CHANNEL]


@pytest.mark.parametrize("query", ["limit=51", "limit=0", "page=0", "sort=name", "order=up"])
async def test_a_bad_page_or_sort_is_an_invalid_request(
    client: httpx.AsyncClient, query: str
) -> None:
    response = await client.get(f"/apis/v1/channels?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["reason"] == "INVALID_REQUEST"


async def test_a_users_subscriptions_list_each_channel_with_user_settings(
    client: httpx.AsyncClient,
) -> None:
    body = (await client.get(f"/apis/v1/users/eip155:{SEPOLIA}:{ALICE}/subscriptions")).json()
    assert body == {
        "subscriptions": [
            {"channel": OTHER, "user_settings": None},
            {"channel": CHANNEL, "user_settings": None},
        ]
    }
    only = await client.get(f"/apis/v1/users/{ALICE}/subscriptions", params={"channel": CAIP})
    assert only.json()["subscriptions"] == [{"channel": CHANNEL, "user_settings": None}]


async def test_a_channels_subscribers_come_in_pages_with_the_total(
    client: httpx.AsyncClient,
) -> None:
    first = (await client.get(f"/apis/v1/channels/{CAIP}/subscribers?page=1&limit=1")).json()
    second = (await client.get(f"/apis/v1/channels/{CAIP}/subscribers?page=2&limit=1")).json()
    assert first == {"subscribers": [{"subscriber": ALICE, "settings": None}], "itemcount": 2}
    assert second["subscribers"] == [{"subscriber": BOB, "settings": None}]


async def test_delegates_are_those_of_the_chain_in_the_caip(client: httpx.AsyncClient) -> None:
    on_sepolia = (await client.get(f"/apis/v1/channels/{CAIP}/delegates")).json()
    everywhere = (await client.get(f"/apis/v1/channels/eip155:{CHANNEL}/delegates")).json()
    assert on_sepolia == {"delegates": [f"eip155:{SEPOLIA}:{BOB}"]}
    assert everywhere == {"delegates": [f"eip155:{AMOY}:{ALICE}", f"eip155:{SEPOLIA}:{BOB}"]}


async def test_a_delegate_sees_the_channels_it_may_send_for(client: httpx.AsyncClient) -> None:
    body = (await client.get(f"/apis/v1/users/eip155:{SEPOLIA}:{ALICE}/delegations")).json()
    assert body == {
        "delegations": [
            {"channel": CHANNEL, "chain_id": AMOY, "channel_caip": f"eip155:{AMOY}:{CHANNEL}"}
        ]
    }
    nobody = (await client.get(f"/apis/v1/users/{OTHER}/delegations")).json()
    assert nobody == {"delegations": []}
