"""The Web Push client against the push-service emulator, and the emulator's own checks."""

from __future__ import annotations

import base64
import json
import socket
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from devstack.emulators.webpush import EmulatorState, create_app
from pushnode_dispatcher.adapters.webpush import WebPushClient
from pushnode_dispatcher.adapters.webpush_message import (
    PLAINTEXT_LIMIT,
    SubscriptionKeys,
    WebPushMessage,
    WebPushSubscription,
)
from pushnode_dispatcher.domain import Outcome
from pushnode_dispatcher.testing import FakeClock
from pushnode_shared.protocol.webpush_endpoints import EndpointPolicy
from tests.support.serving import free_socket, uvicorn_serving

SUBJECT = "mailto:ops@pushnode.example"
HOUR = 3600.0


@dataclass(frozen=True)
class Emulator:
    url: str
    state: EmulatorState


def vapid_pem() -> bytes:
    return ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    sock, url = free_socket()
    app = create_app()
    with uvicorn_serving(app, sock):
        yield Emulator(url, app.state.emulator)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def client(clock: FakeClock, emulator: Emulator) -> AsyncIterator[WebPushClient]:
    # The emulator is on loopback over http: admitted as a dev origin, as the dev stack does.
    dev = EndpointPolicy.of([], [emulator.url])
    async with WebPushClient(vapid_pem(), subject=SUBJECT, clock=clock, endpoints=dev) as webpush:
        yield webpush


@pytest.fixture
async def control(emulator: Emulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=emulator.url) as http:
        yield http


async def subscribe(
    control: httpx.AsyncClient, application_server_key: str | None = None
) -> WebPushSubscription:
    spec = {"application_server_key": application_server_key} if application_server_key else {}
    created = (await control.post("/_emulator/subscriptions", json=spec)).json()
    return WebPushSubscription(endpoint=created["endpoint"], keys=created["keys"])


async def stats(control: httpx.AsyncClient) -> dict[str, int]:
    counts: dict[str, int] = (await control.get("/_emulator/stats")).json()
    return counts


def vapid_header(
    audience: str, *, signing_pem: bytes, shown_pem: bytes | None = None, **claims: Any
) -> str:
    """`vapid t=..., k=...` signed by one key and, to forge, naming another."""
    signer = serialization.load_pem_private_key(signing_pem, None)
    shown = serialization.load_pem_private_key(shown_pem or signing_pem, None)
    assert isinstance(signer, ec.EllipticCurvePrivateKey)
    assert isinstance(shown, ec.EllipticCurvePrivateKey)
    payload = {"aud": audience, "exp": int(time.time()) + 3600, "sub": SUBJECT} | claims
    token = jwt.encode(payload, signer, "ES256", headers={"typ": "JWT"})
    raw = shown.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return f"vapid t={token}, k={b64url(raw)}"


async def test_a_push_is_delivered_and_the_emulator_decrypts_exactly_what_was_sent(
    client: WebPushClient, control: httpx.AsyncClient
) -> None:
    subscription = await subscribe(control)
    data = json.dumps({"title": "gm", "body": "ünïcödé ✓", "chat": "42"}).encode()

    outcome = await client.send(
        WebPushMessage(
            subscription=subscription, data=data, ttl=600, urgency="high", topic="chat42"
        )
    )

    assert outcome.kind is Outcome.DELIVERED
    assert outcome.http_status == 201 and outcome.message_name
    [recorded] = (await control.get("/_emulator/messages")).json()
    assert recorded["plaintext"].encode() == data
    assert recorded["body_bytes"] > len(data)  # it went encrypted
    assert (recorded["ttl"], recorded["urgency"], recorded["topic"]) == (600, "high", "chat42")
    assert recorded["vapid_sub"] == SUBJECT


async def test_a_push_without_payload_goes_unencrypted(
    client: WebPushClient, control: httpx.AsyncClient, emulator: Emulator
) -> None:
    subscription = await subscribe(control)

    outcome = await client.send(WebPushMessage(subscription=subscription))

    assert outcome.kind is Outcome.DELIVERED
    [recorded] = emulator.state.messages
    assert (recorded["plaintext"], recorded["body_bytes"]) == (None, 0)


async def test_the_vapid_jwt_is_reused_for_one_push_service_until_it_nears_expiry(
    client: WebPushClient, control: httpx.AsyncClient, clock: FakeClock
) -> None:
    subscription = await subscribe(control)
    for _ in range(3):
        await client.send(WebPushMessage(subscription=subscription, data=b"x"))
    assert (await stats(control))["vapid_tokens"] == 1

    clock.advance(11.5 * HOUR)
    assert (await client.send(WebPushMessage(subscription=subscription, data=b"y"))).kind is (
        Outcome.DELIVERED
    )
    assert (await stats(control))["vapid_tokens"] == 2


async def test_a_subscription_bound_to_this_server_key_accepts_its_pushes(
    client: WebPushClient, control: httpx.AsyncClient
) -> None:
    subscription = await subscribe(control, client.application_server_key)

    outcome = await client.send(WebPushMessage(subscription=subscription, data=b"hi"))

    assert outcome.kind is Outcome.DELIVERED


async def test_a_push_signed_with_another_vapid_key_is_a_credentials_failure(
    client: WebPushClient, control: httpx.AsyncClient
) -> None:
    async with WebPushClient(vapid_pem(), subject=SUBJECT) as other:
        subscription = await subscribe(control, other.application_server_key)

    outcome = await client.send(WebPushMessage(subscription=subscription, data=b"hi"))

    assert outcome.kind is Outcome.CREDENTIALS
    assert outcome.http_status == 403


async def test_an_expired_subscription_is_dropped(
    client: WebPushClient, control: httpx.AsyncClient
) -> None:
    subscription = await subscribe(control)
    subscription_id = subscription.endpoint.rsplit("/", 1)[1]
    await control.post(f"/_emulator/subscriptions/{subscription_id}/expire")

    outcome = await client.send(WebPushMessage(subscription=subscription, data=b"hi"))

    assert (outcome.kind, outcome.http_status) == (Outcome.DROP_TOKEN, 410)


async def test_an_unknown_subscription_is_dropped(
    client: WebPushClient, control: httpx.AsyncClient, emulator: Emulator
) -> None:
    known = await subscribe(control)
    unknown = known.model_copy(update={"endpoint": f"{emulator.url}/push/nobody"})

    outcome = await client.send(WebPushMessage(subscription=unknown, data=b"hi"))

    assert (outcome.kind, outcome.http_status) == (Outcome.DROP_TOKEN, 404)


async def test_unusable_subscription_keys_drop_the_subscription_without_sending(
    client: WebPushClient, control: httpx.AsyncClient
) -> None:
    subscription = await subscribe(control)
    broken = subscription.model_copy(
        update={"keys": SubscriptionKeys(p256dh=b64url(b"\x04" + b"\x01" * 64), auth="AAAA")}
    )

    outcome = await client.send(WebPushMessage(subscription=broken, data=b"hi"))

    assert outcome.kind is Outcome.DROP_TOKEN
    assert (await stats(control))["push_requests"] == 0


@pytest.mark.parametrize(
    ("size", "expected", "requests"),
    [(PLAINTEXT_LIMIT + 1, Outcome.BAD_REQUEST, 0), (PLAINTEXT_LIMIT, Outcome.DELIVERED, 1)],
    ids=["one byte over: refused without reaching the emulator", "the largest allowed fits"],
)
async def test_a_payload_is_sent_only_up_to_the_largest_the_push_service_takes(
    client: WebPushClient, control: httpx.AsyncClient, size: int, expected: Outcome, requests: int
) -> None:
    subscription = await subscribe(control)

    outcome = await client.send(WebPushMessage(subscription=subscription, data=b"x" * size))

    assert outcome.kind is expected
    assert (await stats(control))["push_requests"] == requests


@pytest.mark.parametrize("status", [429, 503, 500])
async def test_throttling_and_outages_are_retried_after_the_given_delay(
    client: WebPushClient, control: httpx.AsyncClient, status: int
) -> None:
    subscription = await subscribe(control)
    await control.post("/_emulator/faults", json={"status": status, "retry_after": 7})

    outcome = await client.send(WebPushMessage(subscription=subscription, data=b"hi"))

    assert (outcome.kind, outcome.http_status, outcome.retry_after) == (Outcome.RETRY, status, 7.0)
    assert (await client.send(WebPushMessage(subscription=subscription, data=b"hi"))).kind is (
        Outcome.DELIVERED
    )


async def test_a_reset_drops_the_queued_faults(
    client: WebPushClient, control: httpx.AsyncClient
) -> None:
    subscription = await subscribe(control)
    await control.post("/_emulator/faults", json={"status": 503, "count": 3})

    assert (await control.post("/_emulator/reset")).status_code == 200

    outcome = await client.send(WebPushMessage(subscription=subscription, data=b"hi"))
    assert outcome.kind is Outcome.DELIVERED
    assert (await stats(control))["pending_faults"] == 0


async def test_an_unreachable_push_service_is_retried() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        origin = f"http://127.0.0.1:{unused.getsockname()[1]}"
    keys = SubscriptionKeys(p256dh=b64url(_public_point()), auth=b64url(b"0" * 16))
    subscription = WebPushSubscription(endpoint=f"{origin}/push/x", keys=keys)
    dev = EndpointPolicy.of([], [origin])

    async with WebPushClient(vapid_pem(), subject=SUBJECT, endpoints=dev) as client:
        outcome = await client.send(WebPushMessage(subscription=subscription, data=b"hi"))

    assert outcome.kind is Outcome.RETRY


def _public_point() -> bytes:
    return (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )


def test_a_vapid_key_may_be_a_pem_file_or_base64url_raw_text(tmp_path: Path) -> None:
    pem = vapid_pem()
    (tmp_path / "vapid.pem").write_bytes(pem)
    key = serialization.load_pem_private_key(pem, None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    raw = b64url(key.private_numbers().private_value.to_bytes(32, "big"))

    from_file = WebPushClient(tmp_path / "vapid.pem", subject=SUBJECT)
    from_raw = WebPushClient(raw, subject=SUBJECT)

    assert from_file.application_server_key == from_raw.application_server_key
    assert "PRIVATE" not in repr(from_file)


@pytest.mark.parametrize(
    "forge",
    ["key-mismatch", "other-audience", "expired", "beyond-24-hours", "no-vapid", "not-a-jwt"],
)
async def test_the_emulator_refuses_a_bad_vapid_jwt(
    emulator: Emulator, control: httpx.AsyncClient, forge: str
) -> None:
    subscription = await subscribe(control)
    mine, theirs = vapid_pem(), vapid_pem()
    now = int(time.time())
    forgeries: dict[str, Callable[[], str]] = {
        "key-mismatch": lambda: vapid_header(emulator.url, signing_pem=mine, shown_pem=theirs),
        "other-audience": lambda: vapid_header("https://push.elsewhere.example", signing_pem=mine),
        "expired": lambda: vapid_header(emulator.url, signing_pem=mine, exp=now - 600),
        "beyond-24-hours": lambda: vapid_header(emulator.url, signing_pem=mine, exp=now + 90000),
        "no-vapid": lambda: "Bearer something",
        "not-a-jwt": lambda: "vapid t=garbage, k=garbage",
    }
    authorization = forgeries[forge]()

    response = await control.post(
        subscription.endpoint, headers={"Authorization": authorization, "TTL": "60"}
    )

    assert response.status_code == 401
    assert response.json()["error"] == "Unauthorized"
    assert emulator.state.messages == []


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        ({"Content-Encoding": "aes128gcm"}, b"\x00" * 100, 400),
        ({"TTL": "60", "Content-Encoding": "aesgcm"}, b"\x00" * 100, 400),
        ({"TTL": "60", "Content-Encoding": "aes128gcm"}, b"\x00" * 100, 400),
        ({"TTL": "60", "Urgency": "asap"}, b"", 400),
        ({"TTL": "60", "Content-Encoding": "aes128gcm"}, b"\x00" * 4097, 413),
    ],
    ids=["no-ttl", "old-encoding", "undecryptable", "bad-urgency", "too-big"],
)
async def test_the_emulator_refuses_what_a_push_service_refuses(
    emulator: Emulator,
    control: httpx.AsyncClient,
    headers: dict[str, str],
    body: bytes,
    status: int,
) -> None:
    subscription = await subscribe(control)
    authorization = vapid_header(emulator.url, signing_pem=vapid_pem())

    response = await control.post(
        subscription.endpoint, content=body, headers=headers | {"Authorization": authorization}
    )

    assert response.status_code == status
    assert emulator.state.messages == []
