"""A browser's Web Push subscription is registered only if its endpoint is a public https URL:
the node must never be made to POST to its own network."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from pushnode_shared.protocol.topics import DEVICES
from pushnode_shared.testing import InMemoryProducer
from tests.support.signing import device_registration


def web_registration(key: str, endpoint: str) -> dict[str, Any]:
    token = json.dumps({"endpoint": endpoint, "keys": {"p256dh": "BAAA", "auth": "AAAA"}})
    return device_registration(key, token, "web")


@pytest.mark.parametrize(
    ("endpoint", "reason"),
    [
        ("https://127.0.0.1:4014/metrics", "ENDPOINT_NOT_PUBLIC"),
        ("https://169.254.169.254/latest/meta-data/", "ENDPOINT_NOT_PUBLIC"),
        ("https://10.96.0.1/api", "ENDPOINT_NOT_PUBLIC"),
        ("https://[::1]/push", "ENDPOINT_NOT_PUBLIC"),
        ("http://142.250.74.42/push", "ENDPOINT_NOT_HTTPS"),
    ],
)
async def test_an_internal_push_endpoint_is_refused_with_a_reason(
    client: httpx.AsyncClient,
    producer: InMemoryProducer,
    anvil_keys: tuple[str, ...],
    endpoint: str,
    reason: str,
) -> None:
    response = await client.post(
        "/apis/v1/pushtokens/register", json=web_registration(anvil_keys[2], endpoint)
    )

    assert response.status_code == 400
    assert response.json()["error"]["reason"] == reason
    assert producer.published == []


async def test_a_public_https_push_endpoint_is_registered(
    client: httpx.AsyncClient, producer: InMemoryProducer, anvil_keys: tuple[str, ...]
) -> None:
    body = web_registration(anvil_keys[2], "https://142.250.74.42/fcm/send/abc")

    response = await client.post("/apis/v1/pushtokens/register", json=body)

    assert response.status_code == 204
    [envelope] = producer.on(DEVICES)
    assert envelope.payload["platform"] == "web"
