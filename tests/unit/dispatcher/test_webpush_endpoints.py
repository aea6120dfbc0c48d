"""Web Push endpoints: https on public addresses only, an optional push-service allow-list,
and the dev stack's emulator admitted only by its listed origin."""

from __future__ import annotations

import json

import httpx
import pytest

from pushnode_dispatcher.adapters.webpush import WebPushClient, classify
from pushnode_dispatcher.adapters.webpush_message import (
    SubscriptionKeys,
    WebPushMessage,
    WebPushSubscription,
)
from pushnode_dispatcher.domain import Outcome
from pushnode_shared.protocol.webpush_endpoints import (
    EndpointPolicy,
    EndpointRefused,
    admit,
    refused_address,
    subscription_endpoint,
)

STRICT = EndpointPolicy()
PUBLIC = "142.250.74.42"


def resolving_to(*addresses: str):  # type: ignore[no-untyped-def]
    async def resolve(host: str, port: int) -> list[str]:
        return list(addresses)

    return resolve


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.96.0.1", "private"),
        ("192.168.1.10", "private"),
        ("172.16.5.4", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.251", "multicast"),
        ("100.64.3.2", "cluster"),
        ("0.0.0.0", "unspecified"),
        ("::ffff:127.0.0.1", "loopback"),
        ("fd00::1", "private"),
    ],
)
def test_non_public_addresses_are_named(address: str, why: str) -> None:
    assert refused_address(address) == why


def test_a_public_address_is_not_refused() -> None:
    assert refused_address(PUBLIC) is None


@pytest.mark.parametrize(
    ("endpoint", "resolved", "code"),
    [
        ("http://push.example.org/x", PUBLIC, "ENDPOINT_NOT_HTTPS"),
        ("https://push.example.org/x", "127.0.0.1", "ENDPOINT_NOT_PUBLIC"),
        ("https://push.example.org/x", "169.254.169.254", "ENDPOINT_NOT_PUBLIC"),
        ("https://10.0.0.7:8443/x", "10.0.0.7", "ENDPOINT_NOT_PUBLIC"),
        ("ftp://push.example.org/x", PUBLIC, "ENDPOINT_NOT_URL"),
        ("https://user:pw@push.example.org/x", PUBLIC, "ENDPOINT_NOT_URL"),
        ("not a url", PUBLIC, "ENDPOINT_NOT_URL"),
    ],
)
async def test_an_endpoint_off_the_public_https_internet_is_refused(
    endpoint: str, resolved: str, code: str
) -> None:
    with pytest.raises(EndpointRefused) as refused:
        await admit(endpoint, STRICT, resolving_to(resolved))
    assert refused.value.code == code


async def test_a_name_with_any_private_address_is_refused() -> None:
    with pytest.raises(EndpointRefused, match="private"):
        await admit("https://push.example.org/x", STRICT, resolving_to(PUBLIC, "10.1.2.3"))


async def test_a_name_that_does_not_resolve_is_refused() -> None:
    async def fails(host: str, port: int) -> list[str]:
        raise OSError("no such host")

    with pytest.raises(EndpointRefused) as refused:
        await admit("https://push.example.org/x", STRICT, fails)
    assert refused.value.code == "ENDPOINT_UNRESOLVED"


async def test_a_public_https_endpoint_is_admitted() -> None:
    assert await admit("https://fcm.googleapis.com/fcm/send/a", STRICT, resolving_to(PUBLIC)) == [
        PUBLIC
    ]


async def test_the_allow_list_admits_only_listed_push_services() -> None:
    policy = EndpointPolicy.of(["fcm.googleapis.com", ".push.services.mozilla.com"])
    resolve = resolving_to(PUBLIC)

    await admit("https://fcm.googleapis.com/fcm/send/a", policy, resolve)
    await admit("https://updates.push.services.mozilla.com/wpush/v2/a", policy, resolve)
    with pytest.raises(EndpointRefused) as refused:
        await admit("https://evil.example.org/a", policy, resolve)
    assert refused.value.code == "ENDPOINT_HOST_NOT_ALLOWED"


async def test_only_the_listed_dev_origin_is_admitted_on_loopback() -> None:
    dev = EndpointPolicy.of([], ["http://127.0.0.1:4040"])
    loopback = resolving_to("127.0.0.1")

    assert await admit("http://127.0.0.1:4040/push/abc", dev, loopback) == []
    with pytest.raises(EndpointRefused):
        await admit("http://127.0.0.1:4014/metrics", dev, loopback)


def test_the_endpoint_is_read_from_a_subscription_token() -> None:
    token = json.dumps({"endpoint": "https://a.example/x", "keys": {"p256dh": "p", "auth": "a"}})
    assert subscription_endpoint(token) == "https://a.example/x"
    assert subscription_endpoint("fcm-token") is None


KEYS = SubscriptionKeys(p256dh="BAAA", auth="AAAA")


async def test_the_dispatcher_checks_the_endpoint_again_at_send_time() -> None:
    message = WebPushMessage(
        subscription=WebPushSubscription(endpoint="https://push.example.org/x", keys=KEYS)
    )
    # The name now points inside the network: refused before any request (had it been sent,
    # the unresolvable name would be a network error to retry, not a dropped token).
    async with WebPushClient(
        _vapid(), subject="mailto:ops@example.org", resolve=resolving_to("10.0.0.9")
    ) as client:
        outcome = await client.send(message)

    assert (outcome.kind, outcome.error_code) == (Outcome.DROP_TOKEN, "ENDPOINT_NOT_PUBLIC")


def test_a_push_service_answer_body_is_not_passed_on() -> None:
    secret = "internal admin page: root password hunter2 " * 20
    response = httpx.Response(400, json={"message": secret, "reason": "BadThing"})

    outcome = classify(response)

    assert "hunter2" not in outcome.detail
    assert outcome.detail == "push service answered 400: BadThing"


def test_a_push_service_error_code_that_is_not_a_code_is_dropped() -> None:
    outcome = classify(httpx.Response(500, json={"reason": "<html>" + "x" * 100}))
    assert outcome.error_code is None
    assert outcome.detail == "push service answered 500"


def _vapid() -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def test_production_settings_admit_no_dev_origin() -> None:
    from pushnode_dispatcher.config import Settings

    assert Settings().webpush_endpoints() == EndpointPolicy()
