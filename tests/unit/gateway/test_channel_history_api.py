"""Uploads, channel metadata, search, what a channel sent, per-channel feeds and error bodies."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from pushnode_gateway.channels import projection as channel_projection
from pushnode_gateway.feeds import projection as feed_projection
from pushnode_shared.infra.consumer import HandlerContext
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.infra.ipfs import cid_of
from pushnode_shared.protocol.events import (
    ChannelAliasRemoved,
    ChannelAliasVerified,
    ChannelCreated,
    ChannelMetadataResolved,
    ContentUploaded,
    Event,
    MessageStored,
    Recipient,
    SubscriptionAdded,
    payload_of,
    wrap,
)
from pushnode_shared.protocol.topics import UPLOADS
from pushnode_shared.testing import InMemoryProducer

SEPOLIA = 11155111
CHANNEL = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
ALICE = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
BOB = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
CAIP = f"eip155:{SEPOLIA}:{CHANNEL}"
META = {"name": "Weather Alerts", "info": "Storms", "url": "https://w.example", "icon": "i"}


async def apply(database: Database, *events: Event) -> None:
    """Run each event through the gateway's real handlers, one transaction each."""
    handlers = {
        **feed_projection.HANDLERS,
        **channel_projection.HANDLERS,
        **channel_projection.UPLOAD_HANDLERS,
    }
    for event in events:
        envelope = wrap(event, producer="test")
        async with database.transaction() as session:
            ctx = HandlerContext(session=session, replay=False)
            await handlers[envelope.type](ctx, envelope)
            await ctx.flush()  # as the consumer does once a batch's handlers have run


def stored(kind: int, title: str, recipients: list[Recipient], minute: int) -> MessageStored:
    return MessageStored(
        notification_id=str(uuid.uuid4()),
        cid="bafkreitest",
        channel=CHANNEL.lower(),
        chain_id=SEPOLIA,
        sender=CAIP,
        recipients=recipients,
        payload={
            "notification": {"title": title, "body": "b"},
            "data": {"type": str(kind), "asub": title, "amsg": "m", "acta": "", "aimg": ""},
            "recipients": {},
        },
        verification_proof=f"eip712v2:0xsig::uid::{title}",
        source="ETH_TEST_SEPOLIA",
        submitted_at=datetime(2026, 1, 1, 12, minute, tzinfo=UTC),
    )


async def upload(client: httpx.AsyncClient, producer: InMemoryProducer) -> tuple[str, Envelope]:
    response = await client.post("/apis/v1/ipfs/upload", json={"data": json.dumps(META)})
    assert response.status_code == 200, response.text
    return response.json()["cid"], producer.on(UPLOADS)[-1]


async def test_an_upload_is_answered_with_its_cid_and_appended_for_storage(
    client: httpx.AsyncClient, producer: InMemoryProducer
) -> None:
    cid, envelope = await upload(client, producer)
    assert cid == cid_of(json.dumps(META).encode())
    assert payload_of(envelope, ContentUploaded).data == json.dumps(META)
    assert envelope.key == cid


async def test_the_same_upload_twice_is_the_same_event(
    client: httpx.AsyncClient, producer: InMemoryProducer
) -> None:
    await upload(client, producer)
    await upload(client, producer)
    first, second = producer.on(UPLOADS)
    assert first.event_id == second.event_id


async def test_an_empty_upload_is_refused_with_a_reason(client: httpx.AsyncClient) -> None:
    response = await client.post("/apis/v1/ipfs/upload", json={"data": ""})
    assert response.status_code == 400
    assert response.json()["error"]["reason"] == "INVALID_REQUEST"


async def test_a_channel_carries_the_name_of_its_uploaded_metadata_and_is_found_by_it(
    client: httpx.AsyncClient, producer: InMemoryProducer, database: Database
) -> None:
    cid, envelope = await upload(client, producer)
    created = created_with_identity_in(cid)
    await apply(database, created, payload_of(envelope, ContentUploaded))
    details = (await client.get(f"/apis/v1/channels/{CAIP}")).json()
    assert (details["name"], details["info"], details["icon"]) == ("Weather Alerts", "Storms", "i")
    found = (await client.get("/apis/v1/channels/search/", params={"query": "weather"})).json()
    assert [c["channel"] for c in found["channels"]] == [CHANNEL]
    assert found["itemcount"] == 1
    missing = (await client.get("/apis/v1/channels/search/", params={"query": "rain"})).json()
    assert missing["channels"] == []
    nul = await client.get("/apis/v1/channels/search/", params={"query": "wea\x00ther"})
    assert (nul.status_code, nul.json()["error"]["reason"]) == (400, "BAD_QUERY")
    listed = (await client.get("/apis/v1/channels")).json()
    assert listed["channels"][0]["name"] == "Weather Alerts"


async def test_metadata_uploaded_after_the_channel_was_created_still_names_it(
    client: httpx.AsyncClient, producer: InMemoryProducer, database: Database
) -> None:
    cid, envelope = await upload(client, producer)
    await apply(
        database,
        payload_of(envelope, ContentUploaded),
        ChannelCreated(
            channel=CHANNEL.lower(),
            chain_id=SEPOLIA,
            channel_type=2,
            identity=f"1+{cid}",
            block_number=1,
        ),
    )
    assert (await client.get(f"/apis/v1/channels/{CAIP}")).json()["name"] == "Weather Alerts"


def created_with_identity_in(cid: str) -> ChannelCreated:
    """The channel as AddChannel made it, its metadata named by a `1+<cid>` identity."""
    return ChannelCreated(
        channel=CHANNEL.lower(),
        chain_id=SEPOLIA,
        channel_type=2,
        identity=f"1+{cid}",
        block_number=1,
    )


async def test_metadata_the_validator_read_from_kubo_names_a_channel_never_uploaded_here(
    client: httpx.AsyncClient, database: Database
) -> None:
    cid = cid_of(b"added to kubo elsewhere")
    created = created_with_identity_in(cid)
    resolved = ChannelMetadataResolved(channel=CHANNEL.lower(), cid=cid, found=True, **META)
    await apply(database, created, resolved)
    details = (await client.get(f"/apis/v1/channels/{CAIP}")).json()
    assert (details["name"], details["info"], details["url"], details["icon"]) == tuple(
        META.values()
    )


async def test_metadata_kubo_did_not_hold_leaves_the_channel_unnamed(
    client: httpx.AsyncClient, database: Database
) -> None:
    cid = cid_of(b"nowhere")
    created = created_with_identity_in(cid)
    await apply(
        database, created, ChannelMetadataResolved(channel=CHANNEL.lower(), cid=cid, found=False)
    )
    assert (await client.get(f"/apis/v1/channels/{CAIP}")).json()["name"] is None


async def sent_three(database: Database) -> None:
    alice, bob = (
        Recipient(address=ALICE.lower(), spam=False),
        Recipient(address=BOB.lower(), spam=True),
    )
    await apply(
        database,
        stored(1, "broadcast", [alice], 1),
        stored(3, "targeted", [alice], 2),
        stored(4, "subset", [alice, bob], 3),
    )


async def test_a_channel_lists_what_it_sent_newest_first_in_the_v2_shape(
    client: httpx.AsyncClient, database: Database
) -> None:
    await sent_three(database)
    body = (await client.get(f"/apis/v2/channels/{CAIP}/notifications")).json()
    assert body["total"] == 3
    titles = [n["message"]["payload"]["title"] for n in body["notifications"]]
    assert titles == ["subset", "targeted", "broadcast"]
    subset = body["notifications"][0]
    assert subset["from"] == CHANNEL and subset["to"] == [ALICE, BOB]
    assert subset["meta"]["type"] == "NOTIFICATION.SUBSET"
    assert subset["raw"]["verificationProof"] == "eip712v2:0xsig::uid::subset"


async def test_channel_notifications_filter_by_type(
    client: httpx.AsyncClient, database: Database
) -> None:
    await sent_three(database)
    body = (
        await client.get(f"/apis/v2/channels/{CAIP}/notifications", params={"notificationType": 1})
    ).json()
    assert [n["meta"]["type"] for n in body["notifications"]] == ["NOTIFICATION.BROADCAST"]
    bad = await client.get(
        f"/apis/v2/channels/{CAIP}/notifications", params={"notificationType": 2}
    )
    assert bad.status_code == 400


async def test_a_wallets_feed_can_be_read_per_channel(
    client: httpx.AsyncClient, database: Database
) -> None:
    await sent_three(database)
    user = f"eip155:{SEPOLIA}:{BOB}"
    spam = (
        await client.get(f"/apis/v1/users/{user}/channels/{CAIP}/feeds", params={"spam": "true"})
    ).json()
    assert [f["payload"]["data"]["asub"] for f in spam["feeds"]] == ["subset"]
    other = f"eip155:{SEPOLIA}:0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65"
    none = (
        await client.get(f"/apis/v1/users/eip155:{SEPOLIA}:{ALICE}/channels/{other}/feeds")
    ).json()
    assert none == {"feeds": [], "itemcount": 0}


async def test_an_unknown_alias_is_a_404_with_a_reason(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/apis/v1/alias/eip155:80002:{ALICE}/channel")
    assert response.status_code == 404
    assert response.json()["error"]["reason"] == "UNKNOWN_ALIAS"


async def test_an_unknown_route_and_a_wrong_method_answer_with_reasons(
    client: httpx.AsyncClient,
) -> None:
    missing = await client.get("/apis/v1/nothing/here")
    assert (missing.status_code, missing.json()["error"]["reason"]) == (404, "NO_ROUTE")
    wrong = await client.delete("/apis/v1/ipfs/upload")
    assert (wrong.status_code, wrong.json()["error"]["reason"]) == (405, "METHOD_NOT_ALLOWED")


async def test_openapi_and_its_docs_page_are_served(client: httpx.AsyncClient) -> None:
    spec: dict[str, Any] = (await client.get("/openapi.json")).json()
    assert "/apis/v2/channels/{channel}/notifications" in spec["paths"]
    assert "/apis/v1/ipfs/upload" in spec["paths"]
    docs = await client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def alias_decision(kind: str, alias: str) -> Envelope:
    """The validator's alias fact as it arrives on protocol-decisions."""
    event = {
        "ChannelAliasVerified": ChannelAliasVerified,
        "ChannelAliasRemoved": ChannelAliasRemoved,
    }
    fact = event[kind](channel=CHANNEL.lower(), alias_chain_id=80002, alias=alias.lower())
    return wrap(fact, producer="validator")


async def test_a_verified_alias_resolves_to_its_channel_until_it_is_removed(
    client: httpx.AsyncClient, database: Database
) -> None:
    created = ChannelCreated(
        channel=CHANNEL.lower(), chain_id=SEPOLIA, channel_type=2, identity="1+x", block_number=1
    )
    await apply(database, created)
    handlers = channel_projection.HANDLERS
    for kind in ("ChannelAliasVerified", "ChannelAliasVerified"):  # a replay changes nothing
        async with database.transaction() as session:
            await handlers[kind](HandlerContext(session, replay=False), alias_decision(kind, BOB))
    found = (await client.get(f"/apis/v1/alias/eip155:80002:{BOB}/channel")).json()
    assert found == {
        "channel": CHANNEL,
        "alias_address": BOB,
        "alias_blockchain_id": "80002",
        "is_alias_verified": 1,
    }
    details = (await client.get(f"/apis/v1/channels/{CAIP}")).json()
    assert (details["alias_address"], details["is_alias_verified"]) == (BOB, 1)
    removed = alias_decision("ChannelAliasRemoved", BOB)
    async with database.transaction() as session:
        await handlers["ChannelAliasRemoved"](HandlerContext(session, replay=False), removed)
    gone = await client.get(f"/apis/v1/alias/eip155:80002:{BOB}/channel")
    assert gone.status_code == 404


async def test_the_legacy_subscriber_list_names_every_subscriber(
    client: httpx.AsyncClient, database: Database
) -> None:
    created = ChannelCreated(
        channel=CHANNEL.lower(), chain_id=SEPOLIA, channel_type=2, identity="1+x", block_number=1
    )
    joined = [
        SubscriptionAdded(channel=CHANNEL.lower(), subscriber=w.lower(), chain_id=SEPOLIA)
        for w in (BOB, ALICE)
    ]
    await apply(database, created, *joined)
    body = {"channel": CHANNEL, "blockchain": "11155111", "op": "read"}
    answer = (await client.post("/apis/channels/_get_subscribers", json=body)).json()
    assert answer == {"subscribers": sorted([ALICE, BOB], key=str.lower)}
