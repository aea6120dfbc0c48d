"""The published schema documents the errors the gateway really sends, and hostile input
gets one of them (the fuzz test in tests/e2e/test_fuzz_api.py holds the running node to it)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from aiokafka.errors import KafkaTimeoutError
from eth_account import Account
from fastapi import FastAPI
from sqlalchemy.exc import DBAPIError

from pushnode_gateway.errors import install_error_handlers
from pushnode_shared.protocol.chains import LOCAL_CHAINS
from pushnode_shared.testing import InMemoryProducer
from tests.unit.gateway.test_api import notification

CHAIN = LOCAL_CHAINS[0]
METHODS = {"get", "put", "post", "delete", "patch"}


async def operations(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    schema = (await client.get("/openapi.json")).json()
    return [op for item in schema["paths"].values() for m, op in item.items() if m in METHODS]


async def test_every_operation_documents_the_error_body_instead_of_fastapis_422(
    client: httpx.AsyncClient,
) -> None:
    error = {"$ref": "#/components/schemas/ErrorPublic"}
    for operation in await operations(client):
        responses = operation["responses"]
        assert "422" not in responses, operation["operationId"]
        for status in ("400", "4XX"):
            assert responses[status]["content"]["application/json"]["schema"] == error


async def test_the_documented_error_body_is_what_a_bad_request_gets(
    client: httpx.AsyncClient,
) -> None:
    schema = (await client.get("/openapi.json")).json()["components"]["schemas"]
    body = (await client.get("/apis/v1/users/nope/feeds")).json()
    assert set(body) <= set(schema["ErrorPublic"]["properties"])
    assert body["error"]["reason"] == "BAD_ADDRESS"


@pytest.mark.parametrize(
    ("method", "path", "status", "reason"),
    [
        ("GET", "/apis/v1/no-such-route", 404, "NO_ROUTE"),
        ("PUT", "/apis/v1/payloads/", 405, "METHOD_NOT_ALLOWED"),
        ("GET", "/apis/v1/users/0x" + "ab" * 20 + "/feeds?page=1000001", 400, "INVALID_REQUEST"),
        (
            "GET",
            "/apis/v1/users/eip155:" + "9" * 5000 + ":0x" + "ab" * 20 + "/feeds",
            400,
            "BAD_ADDRESS",
        ),
        ("GET", "/apis/v1/channels/eip155:\u00b2:0x" + "ab" * 20, 400, "BAD_ADDRESS"),
    ],
)
async def test_routing_and_parameter_errors_carry_a_reason(
    client: httpx.AsyncClient, method: str, path: str, status: int, reason: str
) -> None:
    response = await client.request(method, path)
    assert response.status_code == status
    assert response.json()["error"]["reason"] == reason


@pytest.mark.parametrize(
    ("identity", "reason"),
    [
        ("2+" + "[" * 8_000 + "]" * 7_000, "BAD_PAYLOAD"),  # deep, yet under the size limit
        ("2+" + "[" * 10_000 + "]" * 9_000, "PAYLOAD_TOO_LARGE"),
        ('2+{"notification": ' + "9" * 5_000 + "}", "BAD_PAYLOAD"),
        ("2+NaN", "BAD_PAYLOAD"),
        ("\u00b2+{}", "BAD_IDENTITY"),
    ],
)
async def test_hostile_identities_are_refused_with_a_reason(
    client: httpx.AsyncClient, anvil_keys: tuple[str, ...], identity: str, reason: str
) -> None:
    body = notification(anvil_keys[1], identity=identity)
    response = await client.post("/apis/v1/payloads/", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["reason"] == reason


async def test_a_body_json_cannot_parse_gets_a_reason(client: httpx.AsyncClient) -> None:
    channel = Account.create().address
    response = await client.post(
        f"/apis/v1/channels/eip155:{CHAIN.chain_id}:{channel}/subscribe",
        content=b'{"message": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["reason"] in ("INVALID_REQUEST", "HTTP_400", "JSON_TOO_DEEP")


async def test_an_unreachable_log_is_a_503_to_retry_not_a_500(
    client: httpx.AsyncClient,
    producer: InMemoryProducer,
    anvil_keys: tuple[str, ...],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def broker_down(*_: object) -> None:
        raise KafkaTimeoutError()

    monkeypatch.setattr(producer, "publish", broker_down)
    response = await client.post("/apis/v1/payloads/", json=notification(anvil_keys[1]))
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.json()["error"]["reason"] == "LOG_UNAVAILABLE"


async def test_a_wrong_method_names_every_documented_method_of_its_path(
    client: httpx.AsyncClient,
) -> None:
    # GET and POST /apis/v2/users/ are two routes; Starlette alone would name only the first.
    response = await client.options("/apis/v2/users/")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert response.json()["error"]["reason"] == "METHOD_NOT_ALLOWED"


class _RefusedByPostgres(Exception):
    sqlstate = "22021"  # character_not_in_repertoire: what a NUL in a text value gets


async def test_a_value_the_database_refuses_is_the_clients_400_not_a_500() -> None:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/refused")
    async def refused() -> None:
        raise DBAPIError("SELECT …", {}, _RefusedByPostgres())

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://g") as plain:
        response = await plain.get("/refused")
    assert response.status_code == 400
    assert response.json()["error"]["reason"] == "INVALID_INPUT"
