"""Hostile bodies are refused at the edge with a reason, before any route parses them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiokafka.errors import MessageSizeTooLargeError
from eth_account import Account

from pushnode_shared.protocol.signatures import sign_data
from pushnode_shared.testing import InMemoryProducer
from tests.security.conftest import Gateway
from tests.unit.gateway.test_api import CHAIN, notification

DEEP = b'{"userIds": ' + b"[" * 3000 + b"]" * 3000 + b"}"  # ~6 KB


@pytest.mark.parametrize("path", ["/apis/v2/users/batch", "/apis/v1/chat/message"])
async def test_a_small_body_nested_3000_deep_is_a_400_not_a_500(
    gateway: Gateway, path: str
) -> None:
    async with gateway() as http:
        answer = await http.post(path, content=DEEP, headers={"content-type": "application/json"})
    assert answer.status_code == 400
    assert answer.json()["error"]["reason"] == "JSON_TOO_DEEP"


async def test_a_body_over_the_limit_is_a_413_on_every_route(gateway: Gateway) -> None:
    huge = b'{"data": "' + b"a" * 2_000_000 + b'"}'
    async with gateway() as http:
        for path in ("/apis/v1/payloads/", "/apis/v1/ipfs/upload", "/apis/v2/users/batch"):
            answer = await http.post(path, content=huge)
            assert answer.status_code == 413, path
            assert answer.json()["error"]["reason"] == "MESSAGE_TOO_LARGE"


async def test_a_body_streamed_past_the_limit_is_refused_before_it_is_read_whole(
    gateway: Gateway,
) -> None:
    sent: list[int] = []

    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(100):  # 6.4 MB if it were all read
            sent.append(1)
            yield b"[" * 64_000

    async with gateway(max_body_bytes=100_000) as http:
        answer = await http.post("/apis/v1/chat/message", content=chunks())
    assert answer.status_code == 413
    assert len(sent) < 100


async def test_an_upload_is_limited_in_bytes_not_characters(gateway: Gateway) -> None:
    four_byte_chars = "\U0001f600" * 200_000  # 200,000 characters, 800,000 bytes
    async with gateway() as http:
        answer = await http.post("/apis/v1/ipfs/upload", json={"data": four_byte_chars})
    assert answer.status_code == 413
    assert answer.json()["error"]["reason"] == "UPLOAD_TOO_LARGE"


async def test_a_chat_body_is_limited_below_the_edge_limit(gateway: Gateway) -> None:
    body = {"fromDID": "eip155:0x" + "1" * 40, "messageContent": "x" * 600_000}
    async with gateway() as http:
        answer = await http.post("/apis/v1/chat/message", json=body)
    assert answer.status_code == 413


def subset(key: str, recipients: list[str]) -> dict[str, Any]:
    """A signed subset notification (payload type 4) to these recipients."""
    payload = {"notification": {"title": "T", "body": "B"}, "data": {"type": "4"}}
    identity = "2+" + json.dumps(payload)
    proof = "eip712v2:" + sign_data(identity, CHAIN.chain_id, CHAIN.comm, key)
    return notification(key, identity=identity, verificationProof=proof, recipient=recipients)


async def test_a_recipient_list_past_the_cap_is_refused(
    gateway: Gateway, anvil_keys: tuple[str, ...]
) -> None:
    wallets = [f"eip155:{CHAIN.chain_id}:{Account.create().address}" for _ in range(1001)]
    async with gateway() as http:
        within = await http.post("/apis/v1/payloads/", json=subset(anvil_keys[1], wallets[:3]))
        past = await http.post("/apis/v1/payloads/", json=subset(anvil_keys[1], wallets))
    assert within.status_code == 204
    assert past.status_code == 400


async def test_an_event_kafka_refuses_as_too_large_is_the_clients_413_not_a_503(
    gateway: Gateway,
    producer: InMemoryProducer,
    anvil_keys: tuple[str, ...],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def refuses(*_: object) -> None:
        raise MessageSizeTooLargeError()

    monkeypatch.setattr(producer, "publish", refuses)
    async with gateway() as http:
        answer = await http.post("/apis/v1/payloads/", json=notification(anvil_keys[1]))
    assert answer.status_code == 413
    assert "retry-after" not in answer.headers
    assert answer.json()["error"]["reason"] == "EVENT_TOO_LARGE"
