"""The APNs client against the APNs emulator over HTTP/2, and the emulator's own checks."""

from __future__ import annotations

import asyncio
import itertools
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from devstack.emulators.apns import EmulatorState, create_app, make_provider_key
from pushnode_dispatcher.adapters.apns import (
    ApnsClient,
    ProviderTokens,
    classify,
    load_provider_key,
)
from pushnode_dispatcher.adapters.apns_message import ApnsNotification
from pushnode_dispatcher.domain import Outcome
from pushnode_dispatcher.testing import FakeClock
from tests.support.serving import free_socket, hypercorn_serving, wait_until_up

KEY_ID = "ABC123DEFG"
TEAM_ID = "DEF123GHIJ"
TOPIC = "org.pushnode.app"
TOKEN = "a1b2c3d4" * 8
MINUTE = 60.0
REPO_ROOT = Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class Emulator:
    url: str
    key_file: Path
    state: EmulatorState


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Emulator]:
    key_file = make_provider_key(tmp_path / "AuthKey.p8")
    app = create_app(key_file, key_id=KEY_ID, team_id=TEAM_ID)
    sock, url = free_socket()
    with hypercorn_serving(app, sock, url):
        yield Emulator(url, key_file, app.state.emulator)


@pytest.fixture
def clock() -> FakeClock:
    """Starts 50 minutes back, so tokens minted up to 50 minutes 'later' are still fresh
    by the emulator's real clock, which checks iat against the hour APNs allows."""
    return FakeClock(time.time() - 50 * MINUTE)


@pytest.fixture
async def client(emulator: Emulator, clock: FakeClock) -> AsyncIterator[ApnsClient]:
    async with ApnsClient(
        emulator.key_file,
        key_id=KEY_ID,
        team_id=TEAM_ID,
        topic=TOPIC,
        base_url=emulator.url,
        clock=clock,
    ) as apns:
        yield apns


@pytest.fixture
async def control(emulator: Emulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=emulator.url) as http:
        yield http


def a_notification(token: str = TOKEN, **fields: Any) -> ApnsNotification:
    payload = {"aps": {"alert": {"title": "gm", "body": "hi"}}, "chat": "42"}
    return ApnsNotification(device_token=token, payload=fields.pop("payload", payload), **fields)


async def stats(control: httpx.AsyncClient) -> dict[str, Any]:
    counts: dict[str, Any] = (await control.get("/_emulator/stats")).json()
    return counts


def provider_jwt(key_file: Path, *, kid: str = KEY_ID, **claims: Any) -> str:
    payload = {"iss": TEAM_ID, "iat": int(time.time())} | claims
    return jwt.encode(payload, load_provider_key(key_file), "ES256", headers={"kid": kid})


async def post_raw(
    control: httpx.AsyncClient,
    bearer: str,
    *,
    token: str = TOKEN,
    body: bytes = b'{"aps":{"alert":"hi"}}',
    **headers: str,
) -> httpx.Response:
    sent = {"apns-topic": TOPIC, "authorization": f"bearer {bearer}"}
    sent |= {name.replace("_", "-"): value for name, value in headers.items()}
    return await control.post(f"/3/device/{token}", content=body, headers=sent)


async def test_a_notification_is_delivered_over_http2_and_the_emulator_records_it(
    client: ApnsClient, control: httpx.AsyncClient
) -> None:
    outcome = await client.send(a_notification(collapse_id="chat-42", expiration=1_900_000_000))

    assert outcome.kind is Outcome.DELIVERED
    [recorded] = (await control.get("/_emulator/messages")).json()
    assert recorded["apns_id"] == outcome.message_name
    assert (recorded["token"], recorded["http_version"]) == (TOKEN, "2")
    assert recorded["payload"]["chat"] == "42"
    assert recorded["headers"] == {
        "apns-topic": TOPIC,
        "apns-push-type": "alert",
        "apns-priority": "10",
        "apns-collapse-id": "chat-42",
        "apns-expiration": "1900000000",
        "apns-id": outcome.message_name,
    }


async def test_a_background_push_goes_with_priority_5_to_its_own_topic(
    client: ApnsClient, emulator: Emulator
) -> None:
    background = a_notification(
        payload={"aps": {"content-available": 1}}, push_type="background", topic="org.other"
    )

    assert (await client.send(background)).kind is Outcome.DELIVERED
    [recorded] = emulator.state.messages
    assert recorded["headers"]["apns-priority"] == "5"
    assert recorded["headers"]["apns-push-type"] == "background"
    assert recorded["headers"]["apns-topic"] == "org.other"


async def test_the_provider_token_is_reused_across_sends(
    client: ApnsClient, control: httpx.AsyncClient
) -> None:
    for _ in range(3):
        assert (await client.send(a_notification())).kind is Outcome.DELIVERED

    assert (await stats(control))["provider_tokens"] == 1
    assert client.tokens.minted == 1


async def test_concurrent_sends_share_one_provider_token_on_one_connection(
    client: ApnsClient, control: httpx.AsyncClient
) -> None:
    sends = (client.send(a_notification(payload={"aps": {"badge": n}})) for n in range(25))
    outcomes = await asyncio.gather(*sends)

    assert {outcome.kind for outcome in outcomes} == {Outcome.DELIVERED}
    assert (await stats(control))["provider_tokens"] == 1


@pytest.mark.parametrize(
    ("minutes_between_sends", "refreshed_after"),
    [((19, 20), []), ((41, 0), [41])],
    ids=["not before 20 minutes nor at 39", "once it is 40 minutes old"],
)
async def test_the_provider_token_is_refreshed_only_once_it_is_40_minutes_old(
    client: ApnsClient,
    control: httpx.AsyncClient,
    clock: FakeClock,
    minutes_between_sends: tuple[int, ...],
    refreshed_after: list[int],
) -> None:
    await client.send(a_notification())
    for minutes in minutes_between_sends:
        clock.advance(minutes * MINUTE)
        await client.send(a_notification())

    iats = (await stats(control))["provider_token_iats"]
    assert [(b - a) // 60 for a, b in itertools.pairwise(iats)] == refreshed_after


def test_a_refresh_interval_outside_apples_20_to_60_minutes_is_refused(
    emulator: Emulator,
) -> None:
    key = load_provider_key(emulator.key_file)
    for minutes in (10, 60, 90):
        with pytest.raises(ValueError, match="refresh_after"):
            ProviderTokens(key, key_id=KEY_ID, team_id=TEAM_ID, refresh_after=minutes * MINUTE)


async def test_an_expired_provider_token_is_renewed_once_and_the_send_goes_through(
    client: ApnsClient, control: httpx.AsyncClient
) -> None:
    await control.post("/_emulator/faults", json={"reason": "ExpiredProviderToken"})

    assert (await client.send(a_notification())).kind is Outcome.DELIVERED
    counts = await stats(control)
    assert (counts["provider_tokens"], counts["send_requests"]) == (2, 2)


async def test_a_reset_drops_the_queued_faults(
    client: ApnsClient, control: httpx.AsyncClient
) -> None:
    await control.post("/_emulator/faults", json={"reason": "InternalServerError", "count": 3})

    assert (await control.post("/_emulator/reset")).status_code == 200

    assert (await client.send(a_notification())).kind is Outcome.DELIVERED
    assert (await stats(control))["pending_faults"] == 0


async def test_a_provider_token_refused_twice_is_a_credentials_failure(
    client: ApnsClient, control: httpx.AsyncClient
) -> None:
    await control.post("/_emulator/faults", json={"reason": "InvalidProviderToken", "count": 2})

    outcome = await client.send(a_notification())

    assert outcome.kind is Outcome.CREDENTIALS
    assert (outcome.http_status, outcome.error_code) == (403, "InvalidProviderToken")
    assert (await stats(control))["send_requests"] == 2


async def test_a_refusal_soon_after_a_forced_renewal_is_not_renewed_again(
    client: ApnsClient, control: httpx.AsyncClient, clock: FakeClock
) -> None:
    await control.post("/_emulator/faults", json={"reason": "ExpiredProviderToken"})
    await client.send(a_notification())
    clock.advance(5 * MINUTE)
    await control.post("/_emulator/faults", json={"reason": "ExpiredProviderToken"})

    outcome = await client.send(a_notification())

    assert outcome.kind is Outcome.CREDENTIALS
    assert client.tokens.minted == 2
    assert (await stats(control))["send_requests"] == 3


async def test_a_dead_token_is_dropped_with_the_time_it_died(client: ApnsClient) -> None:
    outcome = await client.send(a_notification("dead" + TOKEN[4:]))

    assert outcome.kind is Outcome.DROP_TOKEN
    assert (outcome.http_status, outcome.error_code) == (410, "Unregistered")
    assert "inactive since" in outcome.detail


async def test_a_token_marked_dead_through_the_control_endpoint_is_dropped(
    client: ApnsClient, control: httpx.AsyncClient
) -> None:
    await control.post("/_emulator/dead-tokens", json={"tokens": [TOKEN]})

    assert (await client.send(a_notification())).kind is Outcome.DROP_TOKEN


async def test_a_malformed_device_token_is_dropped(client: ApnsClient) -> None:
    outcome = await client.send(a_notification("not-a-token"))

    assert outcome.kind is Outcome.DROP_TOKEN
    assert (outcome.http_status, outcome.error_code) == (400, "BadDeviceToken")


async def test_a_token_of_another_app_is_dropped(
    client: ApnsClient, control: httpx.AsyncClient
) -> None:
    await control.post("/_emulator/devices", json={"tokens": {TOKEN: "org.someone.else"}})

    outcome = await client.send(a_notification())

    assert outcome.kind is Outcome.DROP_TOKEN
    assert outcome.error_code == "DeviceTokenNotForTopic"


@pytest.mark.parametrize(
    "notification",
    [
        a_notification(payload={"aps": {"alert": "x" * 4096}}),
        a_notification(payload={"alert": "no aps"}),
        a_notification(collapse_id="c" * 65),
        a_notification(
            payload={"aps": {"content-available": 1}}, push_type="background", priority=10
        ),
    ],
    ids=["oversized", "no-aps", "long-collapse-id", "urgent-background"],
)
async def test_a_notification_apns_would_refuse_is_bad_request_without_reaching_the_emulator(
    client: ApnsClient, control: httpx.AsyncClient, notification: ApnsNotification
) -> None:
    outcome = await client.send(notification)

    assert outcome.kind is Outcome.BAD_REQUEST
    counts = await stats(control)
    assert (counts["send_requests"], counts["provider_tokens"]) == (0, 0)


async def test_a_missing_topic_is_a_bad_request(emulator: Emulator) -> None:
    async with ApnsClient(
        emulator.key_file, key_id=KEY_ID, team_id=TEAM_ID, base_url=emulator.url
    ) as apns:
        outcome = await apns.send(a_notification())

    assert outcome.kind is Outcome.BAD_REQUEST
    assert (outcome.http_status, outcome.error_code) == (400, "MissingTopic")


@pytest.mark.parametrize(
    ("reason", "status"), [("TooManyRequests", 429), ("ServiceUnavailable", 503)]
)
async def test_throttling_and_outages_are_retried_after_the_given_delay(
    client: ApnsClient, control: httpx.AsyncClient, reason: str, status: int
) -> None:
    await control.post("/_emulator/faults", json={"reason": reason, "retry_after": 7})

    outcome = await client.send(a_notification())

    assert outcome.kind is Outcome.RETRY
    assert (outcome.http_status, outcome.error_code, outcome.retry_after) == (status, reason, 7.0)
    assert (await client.send(a_notification())).kind is Outcome.DELIVERED


async def test_an_unreachable_apns_is_retried(emulator: Emulator) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{unused.getsockname()[1]}"
    async with ApnsClient(
        emulator.key_file, key_id=KEY_ID, team_id=TEAM_ID, topic=TOPIC, base_url=nowhere
    ) as apns:
        outcome = await apns.send(a_notification())

    assert outcome.kind is Outcome.RETRY
    assert outcome.detail.startswith("network error")


@pytest.mark.parametrize(
    ("status", "reason", "kind"),
    [
        (400, "BadCollapseId", Outcome.BAD_REQUEST),
        (400, "DeviceTokenNotForTopic", Outcome.DROP_TOKEN),
        (403, "BadCertificateEnvironment", Outcome.CREDENTIALS),
        (413, "PayloadTooLarge", Outcome.BAD_REQUEST),
        (429, "TooManyProviderTokenUpdates", Outcome.RETRY),
        (500, "InternalServerError", Outcome.RETRY),
        (404, "BadPath", Outcome.BAD_REQUEST),
    ],
)
def test_each_apns_reason_maps_to_what_the_dispatcher_does_next(
    status: int, reason: str, kind: Outcome
) -> None:
    outcome = classify(httpx.Response(status, json={"reason": reason}))

    assert (outcome.kind, outcome.error_code) == (kind, reason)


def test_the_client_shows_neither_key_nor_token(emulator: Emulator) -> None:
    apns = ApnsClient(emulator.key_file, key_id=KEY_ID, team_id=TEAM_ID, topic=TOPIC)
    token = apns.tokens.current()

    shown = repr(apns) + repr(apns.tokens)

    assert token not in shown and "PRIVATE" not in shown and str(emulator.key_file) not in shown


async def test_the_emulator_accepts_a_well_formed_provider_token(
    emulator: Emulator, control: httpx.AsyncClient
) -> None:
    response = await post_raw(control, provider_jwt(emulator.key_file))

    assert response.status_code == 200
    assert len(response.headers["apns-id"]) == 36


@pytest.mark.parametrize(
    ("forge", "reason"),
    [
        ("other-key", "InvalidProviderToken"),
        ("unknown-kid", "InvalidProviderToken"),
        ("other-team", "InvalidProviderToken"),
        ("from-the-future", "InvalidProviderToken"),
        ("older-than-an-hour", "ExpiredProviderToken"),
        ("not-a-jwt", "InvalidProviderToken"),
    ],
)
async def test_the_emulator_refuses_a_forged_or_stale_provider_token(
    emulator: Emulator, control: httpx.AsyncClient, tmp_path: Path, forge: str, reason: str
) -> None:
    now = int(time.time())
    other = make_provider_key(tmp_path / "other.p8")
    forgeries: dict[str, Callable[[], str]] = {
        "other-key": lambda: provider_jwt(other),
        "unknown-kid": lambda: provider_jwt(emulator.key_file, kid="ZZZ999ZZZZ"),
        "other-team": lambda: provider_jwt(emulator.key_file, iss="SOMEONE123"),
        "from-the-future": lambda: provider_jwt(emulator.key_file, iat=now + 600),
        "older-than-an-hour": lambda: provider_jwt(emulator.key_file, iat=now - 3700),
        "not-a-jwt": lambda: "garbage",
    }
    bearer = forgeries[forge]()

    response = await post_raw(control, bearer)

    assert response.status_code == 403
    assert response.json() == {"reason": reason}
    assert emulator.state.messages == []


async def test_the_emulator_wants_a_provider_token(control: httpx.AsyncClient) -> None:
    response = await control.post(f"/3/device/{TOKEN}", content=b'{"aps":{}}')

    assert (response.status_code, response.json()) == (403, {"reason": "MissingProviderToken"})


@pytest.mark.parametrize(
    ("headers", "body", "status", "reason"),
    [
        ({"apns_priority": "7"}, None, 400, "BadPriority"),
        ({"apns_push_type": "telegram"}, None, 400, "InvalidPushType"),
        ({"apns_collapse_id": "c" * 65}, None, 400, "BadCollapseId"),
        ({"apns_expiration": "tomorrow"}, None, 400, "BadExpirationDate"),
        ({"apns_id": "not-a-uuid"}, None, 400, "BadMessageId"),
        ({"apns_topic": ""}, None, 400, "MissingTopic"),
        ({}, b"", 400, "PayloadEmpty"),
        ({}, b"[1, 2]", 400, "BadPayload"),
        ({}, b'{"aps":{"alert":"' + b"x" * 4096 + b'"}}', 413, "PayloadTooLarge"),
    ],
)
async def test_the_emulator_refuses_what_apns_refuses(
    emulator: Emulator,
    control: httpx.AsyncClient,
    headers: dict[str, str],
    body: bytes | None,
    status: int,
    reason: str,
) -> None:
    bearer = provider_jwt(emulator.key_file)
    extra = {} if body is None else {"body": body}

    response = await post_raw(control, bearer, **headers, **extra)  # type: ignore[arg-type]

    assert (response.status_code, response.json()) == (status, {"reason": reason})


async def test_the_emulator_answers_an_unknown_path_as_apns_does(
    control: httpx.AsyncClient,
) -> None:
    response = await control.post("/3/devices/nothing")

    assert (response.status_code, response.json()) == (404, {"reason": "BadPath"})


def test_the_emulator_runs_as_a_script_with_a_key_file_it_makes(tmp_path: Path) -> None:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    key_file = tmp_path / "AuthKey.p8"
    script = REPO_ROOT / "devstack" / "emulators" / "apns.py"
    argv = [sys.executable, str(script), "--port", str(port), "--key-file", str(key_file)]
    argv += ["--key-id", KEY_ID, "--team-id", TEAM_ID]
    url = f"http://127.0.0.1:{port}"

    async def send_one() -> Outcome:
        async with ApnsClient(
            key_file, key_id=KEY_ID, team_id=TEAM_ID, topic=TOPIC, base_url=url
        ) as apns:
            return (await apns.send(a_notification())).kind

    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(url, process)
        assert os.stat(key_file).st_mode & 0o777 == 0o600
        assert asyncio.run(send_one()) is Outcome.DELIVERED
    finally:
        process.terminate()
        process.wait(timeout=10)
