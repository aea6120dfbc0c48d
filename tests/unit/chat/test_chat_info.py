"""GET /v1/chat/{recipient}/address/{account}: what chat.info() and send-to-chatId read."""

from __future__ import annotations

import httpx

from pushnode_shared.protocol.chat import chat_id, conversation_of
from tests.support.chat import ChatWallet


async def info(client: httpx.AsyncClient, recipient: str, account: str) -> httpx.Response:
    return await client.get(f"/apis/v1/chat/{recipient}/address/{account}")


async def test_a_chat_not_started_is_uninitialized_with_its_participants_and_chat_id(
    client: httpx.AsyncClient, pair: tuple[ChatWallet, ChatWallet]
) -> None:
    a, b = pair
    found = (await info(client, b.did, a.did)).json()
    conversation = conversation_of(a.did, b.did)
    assert found["meta"]["group"] is False and found["meta"]["encrypted"] is True
    assert found["list"] == "UNINITIALIZED"
    assert sorted(found["participants"]) == sorted([a.did, b.did])
    assert found["chatId"] == chat_id(conversation) and found["recipient"] == b.did


async def test_a_request_is_in_the_senders_chats_and_the_receivers_requests_by_chat_id(
    client: httpx.AsyncClient, pair: tuple[ChatWallet, ChatWallet]
) -> None:
    a, b = pair
    sent = await client.post("/apis/v1/chat/request", json=a.message(b.did, "hi", "pgp"))
    assert sent.status_code == 200, sent.text
    chat = chat_id(conversation_of(a.did, b.did))
    assert (await info(client, chat, a.did)).json()["list"] == "CHATS"
    for_b = (await info(client, chat, b.did)).json()
    assert (for_b["list"], for_b["recipient"]) == ("REQUESTS", a.did)


async def test_a_chat_id_the_account_is_not_part_of_is_not_found(
    client: httpx.AsyncClient, pair: tuple[ChatWallet, ChatWallet]
) -> None:
    a, b = pair
    await client.post("/apis/v1/chat/request", json=a.message(b.did, "hi", "pgp"))
    stranger = ChatWallet()
    chat = chat_id(conversation_of(a.did, b.did))
    response = await info(client, chat, stranger.did)
    assert response.status_code == 404
    assert response.json()["error"]["reason"] == "NOT_FOUND"
