"""Channel tags, verification and the list's narrowing are served, never silently ignored."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx

from pushnode_shared.infra.db import Database
from pushnode_shared.infra.ipfs import cid_of
from pushnode_shared.protocol.events import (
    ChannelCreated,
    ChannelSettingsChanged,
    ChannelVerificationChanged,
    ContentUploaded,
    SubscriptionAdded,
)
from tests.unit.gateway.test_channel_history_api import ALICE, CAIP, CHANNEL, SEPOLIA, apply

OTHER = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
AT = datetime(2026, 1, 1, tzinfo=UTC)
VERIFIER = "0x5ab1520e2bd519bdab2e1347eee81c00a77f4946"


async def channel_with(database: Database, address: str, name: str, tags: list[str]) -> None:
    data = json.dumps({"name": name, "info": "i", "url": "u", "icon": "c", "tags": tags})
    cid = cid_of(data.encode())
    created = ChannelCreated(
        channel=address.lower(),
        chain_id=SEPOLIA,
        channel_type=2,
        identity=f"1+{cid}",
        block_number=1,
    )
    await apply(database, ContentUploaded(cid=cid, data=data, uploaded_at=AT), created)


async def verify(database: Database, address: str, verified: bool = True) -> None:
    change = ChannelVerificationChanged(
        channel=address.lower(), chain_id=SEPOLIA, verified=verified, by=VERIFIER
    )
    await apply(database, change)


async def listed(client: httpx.AsyncClient, **params: Any) -> list[str]:
    answer = await client.get("/apis/v1/channels", params=params)
    assert answer.status_code == 200, answer.text
    return [c["channel"] for c in answer.json()["channels"]]


async def test_a_channel_serves_the_tags_of_its_uploaded_metadata(
    client: httpx.AsyncClient, database: Database
) -> None:
    await channel_with(database, CHANNEL, "Weather", ["storms", "alerts"])
    answer = await client.get(f"/apis/v1/channels/{CAIP}/tags")
    assert answer.json() == {"tags": ["storms", "alerts"]}
    unknown = await client.get(f"/apis/v1/channels/eip155:{SEPOLIA}:{OTHER}/tags")
    assert unknown.status_code == 404


async def test_all_tags_are_listed_for_user_and_none_are_push_curated(
    client: httpx.AsyncClient, database: Database
) -> None:
    await channel_with(database, CHANNEL, "Weather", ["storms", "alerts"])
    await channel_with(database, OTHER, "News", ["alerts", "daily"])
    every = await client.get("/apis/v1/channels/tags/all", params={"filter": "*", "order": "asc"})
    assert every.json() == {"tags": ["alerts", "daily", "storms"]}
    curated = await client.get("/apis/v1/channels/tags/all")
    assert curated.json() == {"tags": []}
    bad = await client.get("/apis/v1/channels/tags/all", params={"filter": "mine"})
    assert (bad.status_code, bad.json()["error"]["reason"]) == (400, "UNSUPPORTED_PARAMETER")
    assert "filter" in bad.json()["error"]["message"]


async def test_channels_are_found_by_a_tag_and_the_list_narrowed_to_one(
    client: httpx.AsyncClient, database: Database
) -> None:
    await channel_with(database, CHANNEL, "Weather", ["Storms"])
    await channel_with(database, OTHER, "News", ["daily"])
    found = await client.get("/apis/v1/channels/search/tags", params={"query": "storm"})
    assert [c["channel"] for c in found.json()["channels"]] == [CHANNEL]
    assert await listed(client, tag="daily") == [OTHER]
    search = await client.get("/apis/v1/channels/search/", params={"query": "e", "tag": "storms"})
    assert [c["channel"] for c in search.json()["channels"]] == [CHANNEL]


async def test_verified_status_follows_cores_verification_and_its_revocation(
    client: httpx.AsyncClient, database: Database
) -> None:
    await channel_with(database, CHANNEL, "Weather", [])
    await channel_with(database, OTHER, "News", [])
    await verify(database, CHANNEL)
    assert (await client.get(f"/apis/v1/channels/{CAIP}")).json()["verified_status"] == 1
    assert await listed(client, filter="verified") == [CHANNEL]
    assert await listed(client, filter="unverified") == [OTHER]
    await verify(database, CHANNEL, verified=False)
    assert (await client.get(f"/apis/v1/channels/{CAIP}")).json()["verified_status"] == 0
    assert await listed(client, filter="verified") == []


async def test_user_subscribed_lists_only_the_wallets_channels(
    client: httpx.AsyncClient, database: Database
) -> None:
    await channel_with(database, CHANNEL, "Weather", [])
    await channel_with(database, OTHER, "News", [])
    added = SubscriptionAdded(
        channel=OTHER.lower(), subscriber=ALICE.lower(), chain_id=SEPOLIA, position=1
    )
    await apply(database, added)
    assert await listed(client, user_subscribed=f"eip155:{SEPOLIA}:{ALICE}") == [OTHER]


async def test_what_the_node_cannot_honour_is_a_400_naming_the_parameter(
    client: httpx.AsyncClient, database: Database
) -> None:
    await channel_with(database, CHANNEL, "Weather", [])
    for path, params, name in [
        ("/apis/v1/channels", {"filter": "2"}, "filter"),
        ("/apis/v1/channels/search/", {"query": "w", "filter": "x"}, "filter"),
        (f"/apis/v1/channels/{CAIP}/subscribers", {"category": 2}, "category"),  # none defined
    ]:
        answer = await client.get(path, params=params)
        assert answer.status_code == 400, (path, params, answer.text)
        assert answer.json()["error"]["message"].startswith(f"{name}="), answer.text
    for setting in ("false", "true"):
        ok = await client.get(f"/apis/v1/channels/{CAIP}/subscribers", params={"setting": setting})
        assert ok.status_code == 200


def opted_in(wallet: str, setting: str | None) -> SubscriptionAdded:
    """The wallet subscribed to CHANNEL with `setting` (None: the channel's defaults)."""
    return SubscriptionAdded(
        channel=CHANNEL.lower(),
        subscriber=wallet.lower(),
        chain_id=SEPOLIA,
        user_setting=setting,
        position=1,
    )


async def weather_with_settings(
    database: Database, settings: str, *subscriptions: SubscriptionAdded
) -> None:
    """CHANNEL, named Weather, with notification settings A and B defined on Core."""
    await channel_with(database, CHANNEL, "Weather", [])
    defined = ChannelSettingsChanged(
        channel=CHANNEL.lower(), chain_id=SEPOLIA, settings=settings, description="A+B"
    )
    await apply(database, defined, *subscriptions)


async def test_channel_and_subscriber_settings_are_read_back_as_the_sdk_parses_them(
    client: httpx.AsyncClient, database: Database
) -> None:
    await weather_with_settings(database, "2+1-1+2-1-5-0-10", opted_in(ALICE, "1+1-0+2-1-7"))
    details = (await client.get(f"/apis/v1/channels/{CAIP}")).json()
    assert [s["description"] for s in json.loads(details["channel_settings"])] == ["A", "B"]
    page = (await client.get(f"/apis/v1/channels/{CAIP}/subscribers")).json()
    [alice] = page["subscribers"]
    assert [(s["user"], s["enabled"]) for s in json.loads(alice["settings"])] == [
        (False, False),
        (7, True),
    ]
    mine = (await client.get(f"/apis/v1/users/eip155:{SEPOLIA}:{ALICE}/subscriptions")).json()
    assert json.loads(mine["subscriptions"][0]["user_settings"])[1]["user"] == 7


async def test_subscribers_of_a_category_are_those_who_chose_it_or_kept_its_default(
    client: httpx.AsyncClient, database: Database
) -> None:
    await weather_with_settings(
        database, "2+1-1+1-0", opted_in(ALICE, "1+1-0+1-1"), opted_in(OTHER, None)
    )
    path = f"/apis/v1/channels/{CAIP}/subscribers"

    async def category(index: int) -> list[str]:
        answer = await client.get(path, params={"category": index})
        assert answer.status_code == 200, answer.text
        return [s["subscriber"] for s in answer.json()["subscribers"]]

    assert await category(1) == [OTHER]  # Alice switched it off; the default is on
    assert await category(2) == [ALICE]  # Alice switched it on; the default is off
    missing = await client.get(path, params={"category": 3})
    assert missing.status_code == 400 and "category=3" in missing.json()["error"]["message"]
