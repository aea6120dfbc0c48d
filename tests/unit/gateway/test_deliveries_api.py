"""The delivery-status API: per device, the latest attempt, and never a whole push token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from pushnode_gateway.deliveries import projection
from pushnode_shared.infra.consumer import HandlerContext
from pushnode_shared.infra.db import Database
from pushnode_shared.protocol.events import (
    DeliveryAbandoned,
    DeliveryAttempted,
    DeliveryOutcome,
    Event,
    wrap,
)

SID = "0b5e6c1a-7d1e-5f6a-9c61-2f4d8b0e7a15"
WALLET = "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc"
PHONE = "dXk3:APA91bH-a-long-fcm-registration-token-ending-in-12345678"
IPHONE = "ab" * 31 + "cdef"
T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def attempted(token: str, outcome: DeliveryOutcome, attempt: int, **extra: str) -> Event:
    return DeliveryAttempted(
        notification_id=SID,
        wallet=WALLET,
        device_token=token,
        provider=extra.get("provider", "fcm"),
        outcome=outcome,
        detail=extra.get("detail", ""),
        attempt=attempt,
        platform=extra.get("platform"),
    )


async def project(database: Database, *events: Event) -> None:
    for n, event in enumerate(events):
        envelope = wrap(event, producer="dispatcher").model_copy(
            update={"occurred_at": T0 + timedelta(seconds=n)}
        )
        async with database.transaction() as session:
            ctx = HandlerContext(session=session, replay=False)
            await projection.HANDLERS[envelope.type](ctx, envelope)


async def test_each_device_shows_its_latest_attempt_without_the_token(
    client: httpx.AsyncClient, database: Database
) -> None:
    first = attempted(PHONE, DeliveryOutcome.RETRY, 1, platform="android", detail="UNAVAILABLE")
    second = attempted(PHONE, DeliveryOutcome.DELIVERED, 2, platform="android")
    apns = attempted(IPHONE, DeliveryOutcome.DROP_TOKEN, 1, provider="apns", detail="Unregistered")
    await project(database, first, apns, second, first)  # the last: a crash-replayed record

    response = await client.get(f"/apis/v1/payloads/{SID}/deliveries")

    assert response.status_code == 200
    body = response.json()
    assert body["sid"] == SID
    assert body["deliveries"] == [
        {
            "device": "android:\u202612345678",
            "wallet": f"eip155:{WALLET}",
            "provider": "fcm",
            "status": "DELIVERED",
            "detail": "",
            "attempts": 2,
            "updated_at": "2026-11-23T12:00:02Z",
        },
        {
            "device": f"ios:\u2026{IPHONE[-8:]}",
            "wallet": f"eip155:{WALLET}",
            "provider": "apns",
            "status": "DROP_TOKEN",
            "detail": "Unregistered",
            "attempts": 1,
            "updated_at": "2026-11-23T12:00:01Z",
        },
    ]
    assert PHONE not in response.text and IPHONE not in response.text


async def test_a_given_up_device_stays_given_up(
    client: httpx.AsyncClient, database: Database
) -> None:
    last = attempted(PHONE, DeliveryOutcome.RETRY, 5, platform="android")
    abandoned = DeliveryAbandoned(
        notification_id=SID,
        wallet=WALLET,
        device_token=PHONE,
        provider="fcm",
        attempts=5,
        detail="INTERNAL",
        platform="android",
    )
    await project(database, last, abandoned, last)

    (row,) = (await client.get(f"/apis/v1/payloads/{SID}/deliveries")).json()["deliveries"]
    assert (row["status"], row["attempts"], row["detail"]) == ("GAVE_UP", 5, "INTERNAL")


async def test_a_notification_nobody_was_pushed_has_an_empty_list(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/apis/v1/payloads/unknown-sid/deliveries")
    assert response.status_code == 200
    assert response.json() == {"sid": "unknown-sid", "deliveries": []}


async def test_an_overlong_sid_is_a_clear_400(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/apis/v1/payloads/{'x' * 65}/deliveries")
    assert response.status_code == 400
    assert response.json()["error"]["reason"] == "BAD_SID"
