"""The FCM client against the FCM emulator, and the emulator's own checks."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import socket
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from devstack.emulators.fcm import SCOPE, EmulatorState, create_app
from devstack.emulators.service_account import make_service_account
from pushnode_dispatcher.adapters.fcm import FcmClient, classify
from pushnode_dispatcher.adapters.fcm_message import FcmMessage, Notification
from pushnode_dispatcher.domain import Outcome
from tests.support.serving import free_socket, uvicorn_serving

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
TOKEN = "fcm-device-token:APA91b" + "x" * 140


@dataclass(frozen=True)
class Emulator:
    url: str
    service_account: Path
    state: EmulatorState

    def account(self) -> dict[str, Any]:
        info: dict[str, Any] = json.loads(self.service_account.read_text())
        return info


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Emulator]:
    sock, url = free_socket()
    account = make_service_account(tmp_path / "service-account.json", token_uri=f"{url}/token")
    app = create_app(account)
    with uvicorn_serving(app, sock):
        yield Emulator(url, account, app.state.emulator)


@pytest.fixture
async def client(emulator: Emulator) -> AsyncIterator[FcmClient]:
    async with FcmClient(emulator.service_account, base_url=emulator.url) as fcm:
        yield fcm


@pytest.fixture
async def control(emulator: Emulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=emulator.url) as http:
        yield http


def a_message(token: str = TOKEN, **data: str) -> FcmMessage:
    return FcmMessage(token=token, notification=Notification(title="gm", body="hi"), data=data)


async def stats(control: httpx.AsyncClient) -> dict[str, int]:
    counts: dict[str, int] = (await control.get("/_emulator/stats")).json()
    return counts


def assertion(account: dict[str, Any], *, key: str | None = None, **claims: Any) -> str:
    now = int(time.time())
    payload = {"iss": account["client_email"], "aud": account["token_uri"], "scope": SCOPE}
    payload |= {"iat": now, "exp": now + 3600} | claims
    headers = {"kid": account["private_key_id"]}
    return jwt.encode(payload, key or account["private_key"], "RS256", headers=headers)


async def grant(control: httpx.AsyncClient, jwt_assertion: str) -> httpx.Response:
    return await control.post("/token", data={"grant_type": JWT_BEARER, "assertion": jwt_assertion})


async def test_a_message_is_delivered_and_the_emulator_records_it(
    client: FcmClient, control: httpx.AsyncClient
) -> None:
    outcome = await client.send(a_message(chat="42"))

    assert outcome.kind is Outcome.DELIVERED
    assert outcome.message_name and outcome.message_name.startswith("projects/pushnode-dev/")
    [recorded] = (await control.get("/_emulator/messages")).json()
    assert recorded["name"] == outcome.message_name
    assert recorded["token"] == TOKEN
    assert recorded["message"]["data"] == {"chat": "42"}


async def test_the_access_token_is_reused_across_sends(
    client: FcmClient, control: httpx.AsyncClient
) -> None:
    for _ in range(3):
        assert (await client.send(a_message())).kind is Outcome.DELIVERED

    assert (await stats(control))["token_grants"] == 1


async def test_concurrent_sends_share_one_token_refresh(
    client: FcmClient, control: httpx.AsyncClient
) -> None:
    outcomes = await asyncio.gather(*(client.send(a_message(n=str(n))) for n in range(25)))

    assert {outcome.kind for outcome in outcomes} == {Outcome.DELIVERED}
    assert await stats(control) == {
        "token_grants": 1,
        "send_requests": 25,
        "accepted": 25,
        "pending_faults": 0,
        "held": 0,
    }


async def test_a_dead_token_comes_back_as_drop_token(client: FcmClient) -> None:
    outcome = await client.send(a_message("dead-" + TOKEN))

    assert outcome.kind is Outcome.DROP_TOKEN
    assert (outcome.http_status, outcome.error_code) == (404, "UNREGISTERED")


async def test_a_token_marked_dead_through_the_control_endpoint_is_dropped(
    client: FcmClient, control: httpx.AsyncClient
) -> None:
    await control.post("/_emulator/dead-tokens", json={"tokens": [TOKEN]})

    assert (await client.send(a_message())).kind is Outcome.DROP_TOKEN


async def test_a_malformed_token_is_dropped(client: FcmClient) -> None:
    outcome = await client.send(a_message("not a token!"))

    assert outcome.kind is Outcome.DROP_TOKEN
    assert (outcome.http_status, outcome.error_code) == (400, "INVALID_ARGUMENT")


async def test_an_injected_503_is_retried_after_the_given_delay(
    client: FcmClient, control: httpx.AsyncClient
) -> None:
    await control.post("/_emulator/faults", json={"error": "UNAVAILABLE", "retry_after": 7})

    outcome = await client.send(a_message())

    assert outcome.kind is Outcome.RETRY
    assert (outcome.http_status, outcome.retry_after) == (503, 7.0)
    assert (await client.send(a_message())).kind is Outcome.DELIVERED


async def test_quota_exceeded_is_retried(client: FcmClient, control: httpx.AsyncClient) -> None:
    await control.post("/_emulator/faults", json={"error": "QUOTA_EXCEEDED", "count": 2})

    outcomes = [await client.send(a_message()) for _ in range(3)]

    assert [o.kind for o in outcomes] == [Outcome.RETRY, Outcome.RETRY, Outcome.DELIVERED]
    assert (outcomes[0].http_status, outcomes[0].error_code) == (429, "QUOTA_EXCEEDED")
    assert outcomes[0].retry_after is None


async def test_an_oversized_payload_is_bad_request_without_reaching_the_emulator(
    client: FcmClient, control: httpx.AsyncClient
) -> None:
    outcome = await client.send(a_message(blob="x" * 4096))

    assert outcome.kind is Outcome.BAD_REQUEST
    assert await stats(control) == {
        "token_grants": 0,
        "send_requests": 0,
        "accepted": 0,
        "pending_faults": 0,
        "held": 0,
    }


async def test_a_reserved_data_key_is_bad_request_without_sending(
    client: FcmClient, control: httpx.AsyncClient
) -> None:
    outcome = await client.send(a_message(**{"google.c.a.e": "1"}))

    assert outcome.kind is Outcome.BAD_REQUEST
    assert (await stats(control))["send_requests"] == 0


async def test_a_revoked_access_token_is_refreshed_once_and_the_send_goes_through(
    client: FcmClient, control: httpx.AsyncClient
) -> None:
    await client.send(a_message())
    await control.post("/_emulator/revoke-access-tokens")

    assert (await client.send(a_message())).kind is Outcome.DELIVERED
    assert (await stats(control))["token_grants"] == 2


async def test_a_second_401_after_a_fresh_token_is_a_credentials_failure(
    client: FcmClient, control: httpx.AsyncClient
) -> None:
    await control.post("/_emulator/faults", json={"error": "UNAUTHENTICATED", "count": 2})

    outcome = await client.send(a_message())

    assert outcome.kind is Outcome.CREDENTIALS
    assert (outcome.http_status, outcome.error_code) == (401, "UNAUTHENTICATED")
    assert (await stats(control))["token_grants"] == 2


async def test_a_third_party_auth_error_is_not_retried_with_a_new_token(
    client: FcmClient, control: httpx.AsyncClient
) -> None:
    await control.post("/_emulator/faults", json={"error": "THIRD_PARTY_AUTH_ERROR"})

    assert (await client.send(a_message())).kind is Outcome.CREDENTIALS
    assert (await stats(control))["send_requests"] == 1


async def test_sending_to_another_project_is_a_credentials_failure(emulator: Emulator) -> None:
    async with FcmClient(
        emulator.service_account, base_url=emulator.url, project_id="someone-else"
    ) as fcm:
        outcome = await fcm.send(a_message())

    assert outcome.kind is Outcome.CREDENTIALS
    assert (outcome.http_status, outcome.error_code) == (403, "PERMISSION_DENIED")


async def test_a_token_of_another_sender_is_dropped_not_blamed_on_our_credentials(
    client: FcmClient,
) -> None:
    # One foreign token must not stop the whole app's sends; it can never be pushed to.
    outcome = await client.send(a_message("foreign-" + TOKEN))

    assert outcome.kind is Outcome.DROP_TOKEN
    assert outcome.error_code == "SENDER_ID_MISMATCH"


async def test_a_key_the_token_endpoint_does_not_know_is_a_credentials_failure(
    emulator: Emulator, tmp_path: Path
) -> None:
    impostor = make_service_account(tmp_path / "impostor.json", emulator.account()["token_uri"])

    async with FcmClient(impostor, base_url=emulator.url) as fcm:
        outcome = await fcm.send(a_message())

    assert outcome.kind is Outcome.CREDENTIALS
    assert "invalid_grant" in outcome.detail


async def test_an_unreachable_fcm_is_retried(emulator: Emulator) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{unused.getsockname()[1]}"
    async with FcmClient(emulator.service_account, base_url=nowhere) as fcm:
        outcome = await fcm.send(a_message())

    assert outcome.kind is Outcome.RETRY
    assert outcome.detail.startswith("network error")


def test_retry_after_may_be_an_http_date() -> None:
    now = format_datetime(dt.datetime.now(dt.UTC), usegmt=True)
    response = httpx.Response(503, headers={"Retry-After": now}, json={"error": {}})

    outcome = classify(response)

    assert outcome.kind is Outcome.RETRY
    assert outcome.retry_after is not None and 0 <= outcome.retry_after <= 1


async def test_the_emulator_grants_a_token_for_a_well_formed_assertion(
    emulator: Emulator, control: httpx.AsyncClient
) -> None:
    response = await grant(control, assertion(emulator.account()))

    assert response.status_code == 200
    assert response.json()["expires_in"] == 3599
    assert response.json()["token_type"] == "Bearer"


async def test_the_emulator_refuses_a_jwt_signed_by_another_key(
    emulator: Emulator, control: httpx.AsyncClient, tmp_path: Path
) -> None:
    other = json.loads(make_service_account(tmp_path / "other.json", "x").read_text())

    response = await grant(control, assertion(emulator.account(), key=other["private_key"]))

    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_grant",
        "error_description": "Invalid JWT Signature.",
    }


@pytest.mark.parametrize(
    ("claims", "error"),
    [
        ({"iat": 1_000_000, "exp": 1_003_600}, "invalid_grant"),
        ({"exp": int(time.time()) + 7200}, "invalid_grant"),
        ({"aud": "https://elsewhere.example/token"}, "invalid_grant"),
        ({"iss": "someone@else.iam.gserviceaccount.com"}, "invalid_grant"),
        ({"scope": "https://www.googleapis.com/auth/cloud-platform"}, "invalid_scope"),
    ],
    ids=["expired", "longer-than-an-hour", "wrong-audience", "wrong-issuer", "no-fcm-scope"],
)
async def test_the_emulator_refuses_a_bad_assertion(
    emulator: Emulator, control: httpx.AsyncClient, claims: dict[str, Any], error: str
) -> None:
    response = await grant(control, assertion(emulator.account(), **claims))

    assert response.status_code == 400
    assert response.json()["error"] == error


@pytest.mark.parametrize("bearer", ["unknown", "expired"])
async def test_the_emulator_answers_a_bad_bearer_with_401(
    emulator: Emulator, control: httpx.AsyncClient, bearer: str
) -> None:
    emulator.state.access_tokens["expired"] = time.time() - 1
    path = "/v1/projects/pushnode-dev/messages:send"

    response = await control.post(
        path, json={"message": {"token": TOKEN}}, headers={"Authorization": f"Bearer {bearer}"}
    )

    assert response.status_code == 401
    assert response.json()["error"]["status"] == "UNAUTHENTICATED"


@pytest.mark.parametrize(
    "message",
    [
        {"token": TOKEN, "data": {"n": 1}},
        {"token": TOKEN, "data": {"from": "me"}},
        {"token": TOKEN, "data": {"gcm.notification.x": "y"}},
        {"token": TOKEN, "topic": "news"},
        {"data": {"a": "b"}},
        {"token": TOKEN, "data": {"blob": "x" * 4096}},
        {"topic": "news", "data": {"blob": "x" * 2048}},
        {"token": TOKEN, "android": {"priority": "urgent"}},
        {"token": TOKEN, "colour": "red"},
    ],
    ids=[
        "non-string-value",
        "reserved-from",
        "reserved-gcm-prefix",
        "two-targets",
        "no-target",
        "too-big",
        "topic-too-big",
        "bad-priority",
        "unknown-field",
    ],
)
async def test_the_emulator_refuses_what_fcm_refuses(
    emulator: Emulator, control: httpx.AsyncClient, message: dict[str, Any]
) -> None:
    access = (await grant(control, assertion(emulator.account()))).json()["access_token"]

    response = await control.post(
        "/v1/projects/pushnode-dev/messages:send",
        json={"message": message},
        headers={"Authorization": f"Bearer {access}"},
    )

    assert response.status_code == 400
    assert response.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert emulator.state.messages == []


async def test_a_hold_keeps_sends_unaccepted_and_a_refusing_release_answers_them_503(
    client: FcmClient, control: httpx.AsyncClient
) -> None:
    await control.post("/_emulator/hold", json={"after": 1})
    first = await client.send(a_message("first"))
    second = asyncio.create_task(client.send(a_message("second")))
    for _ in range(500):  # until the emulator holds it (at most 5 s)
        if (await stats(control))["held"] >= 1:
            break
        await asyncio.sleep(0.01)
    accepted_while_held = (await stats(control))["accepted"]
    await control.post("/_emulator/release", json={"deliver": False})
    refused = await second
    after = await client.send(a_message("third"))

    assert first.kind is Outcome.DELIVERED and accepted_while_held == 1
    assert (refused.kind, refused.error_code) == (Outcome.RETRY, "UNAVAILABLE")
    assert after.kind is Outcome.DELIVERED
    tokens = [m["token"] for m in (await control.get("/_emulator/messages")).json()]
    assert tokens == ["first", "third"]


async def test_a_reset_lets_held_sends_through_and_drops_queued_faults(
    client: FcmClient, control: httpx.AsyncClient
) -> None:
    await control.post("/_emulator/hold", json={"after": 0})
    held = asyncio.create_task(client.send(a_message("held")))
    for _ in range(500):  # until the emulator holds it (at most 5 s)
        if (await stats(control))["held"] >= 1:
            break
        await asyncio.sleep(0.01)
    await control.post("/_emulator/faults", json={"error": "UNAVAILABLE", "count": 3})

    assert (await control.post("/_emulator/reset")).status_code == 200
    outcomes = [await held, await client.send(a_message("after"))]

    assert [o.kind for o in outcomes] == [Outcome.DELIVERED, Outcome.DELIVERED]
    assert (await stats(control))["pending_faults"] == 0


async def test_the_emulator_serves_several_projects_each_to_its_own_account(
    emulator: Emulator, control: httpx.AsyncClient, tmp_path: Path
) -> None:
    token_uri = emulator.account()["token_uri"]
    second = make_service_account(tmp_path / "b.json", token_uri, project_id="project-b")
    assert (
        await control.post("/_emulator/accounts", json=json.loads(second.read_text()))
    ).is_success
    fault = {"error": "UNAVAILABLE", "count": 5, "project": "pushnode-dev"}
    await control.post("/_emulator/faults", json=fault)

    async with FcmClient(second, base_url=emulator.url) as b:
        delivered = await b.send(a_message())
    # B's account granted the token; sending it to another project is IAM's refusal.
    async with FcmClient(second, base_url=emulator.url, project_id="pushnode-dev") as stray:
        refused = await stray.send(a_message())

    assert delivered.kind is Outcome.DELIVERED  # the other project's fault left B alone
    assert refused.kind is Outcome.CREDENTIALS and refused.http_status == 403
    [recorded] = (await control.get("/_emulator/messages")).json()
    assert recorded["project"] == "project-b"
