"""Chat through the gateway and storage handlers: requests, accept, links, history, refusals."""

from __future__ import annotations

import json

import httpx

from pushnode_shared.infra.ipfs import MemoryBlockStore, cid_of
from pushnode_shared.protocol.topics import CHATS
from tests.support.chat import ChatWallet
from tests.unit.chat.conftest import LoopProducer, RecordingSockets


async def request(
    client: httpx.AsyncClient, sender: ChatWallet, receiver: ChatWallet, text: str
) -> httpx.Response:
    """`sender` asks `receiver` to chat, opening with a PGP-encrypted `text`."""
    return await client.post(
        "/apis/v1/chat/request", json=sender.message(receiver.did, text, "pgp")
    )


def refusal(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, str(response.json()["error"]["reason"])


async def request_and_accept(client: httpx.AsyncClient, a: ChatWallet, b: ChatWallet) -> dict:
    sent = await request(client, a, b, "hi")
    assert sent.status_code == 200, sent.text
    accepted = await client.put("/apis/v1/chat/request/accept", json=b.answer(a.did))
    assert accepted.status_code == 200, accepted.text
    return dict(sent.json())


async def test_a_request_waits_in_the_receivers_requests_until_accepted(
    client: httpx.AsyncClient, pair: tuple[ChatWallet, ChatWallet]
) -> None:
    a, b = pair
    sent = await request(client, a, b, "hi")
    requests = (await client.get(f"/apis/v1/chat/users/{b.did}/requests")).json()["requests"]
    assert [r["did"] for r in requests] == [a.did]
    assert requests[0]["threadhash"] == sent.json()["cid"]
    assert requests[0]["intentSentBy"] == a.did and requests[0]["msg"]["encType"] == "pgp"
    hash_b = (await client.get(f"/apis/v1/chat/users/{b.did}/conversations/{a.did}/hash")).json()
    assert hash_b == {"threadHash": sent.json()["cid"], "intent": False}
    await client.put("/apis/v1/chat/request/accept", json=b.answer(a.did))
    assert (await client.get(f"/apis/v1/chat/users/{b.did}/requests")).json()["requests"] == []
    chats = (await client.get(f"/apis/v1/chat/users/{b.did}/chats")).json()["chats"]
    assert chats[0]["intent"] == f"{a.did}+{b.did}"


async def test_messages_are_stored_on_ipfs_and_linked_to_the_previous_one(
    client: httpx.AsyncClient, pair: tuple[ChatWallet, ChatWallet], blocks: MemoryBlockStore
) -> None:
    a, b = pair
    first = await request_and_accept(client, a, b)
    second = (await client.post("/apis/v1/chat/message", json=b.message(a.did, "yo", "pgp"))).json()
    third = (await client.post("/apis/v1/chat/message", json=a.message(b.did, "ok", "pgp"))).json()
    assert first["link"] is None
    assert second["link"] == first["cid"] and third["link"] == second["cid"]
    stored = blocks.blocks[third["cid"]]
    assert cid_of(stored) == third["cid"]
    assert json.loads(stored)["messageObj"] == third["messageObj"]
    history = (
        await client.get(f"/apis/v1/chat/conversationhash/{third['cid']}", params={"fetchLimit": 2})
    ).json()
    assert [m["cid"] for m in history] == [third["cid"], second["cid"]]


async def test_both_participants_get_chats_socket_events(
    client: httpx.AsyncClient, pair: tuple[ChatWallet, ChatWallet], sockets: RecordingSockets
) -> None:
    a, b = pair
    await request_and_accept(client, a, b)
    to_b = [e["messageCategory"] for did, e in sockets.chats if did == b.did]
    assert to_b == ["Request", "Approve"]


async def test_a_forged_signature_is_refused(
    client: httpx.AsyncClient, pair: tuple[ChatWallet, ChatWallet], keys: list[object]
) -> None:
    a, b = pair
    forged = a.message(b.did, "hi", "pgp", signer=keys[2])  # type: ignore[arg-type]
    response = await client.post("/apis/v1/chat/request", json=forged)
    assert refusal(response) == (403, "INVALID_SIGNATURE")


async def test_a_tampered_message_no_longer_verifies(
    client: httpx.AsyncClient, pair: tuple[ChatWallet, ChatWallet]
) -> None:
    a, b = pair
    body = a.message(b.did, "hi", "pgp")
    body["messageObj"] = "U2FsdGVkX1other"
    response = await client.post("/apis/v1/chat/request", json=body)
    assert response.json()["error"]["reason"] == "INVALID_SIGNATURE"


async def test_a_non_participant_cannot_write_into_a_conversation(
    client: httpx.AsyncClient, pair: tuple[ChatWallet, ChatWallet], keys: list[object]
) -> None:
    a, b = pair
    await request_and_accept(client, a, b)
    c = ChatWallet(pgp=keys[2])  # type: ignore[arg-type]
    await client.post("/apis/v2/users/", json=c.registration())
    response = await client.post("/apis/v1/chat/message", json=c.message(b.did, "me too", "pgp"))
    assert refusal(response) == (403, "NOT_A_PARTICIPANT")


async def test_only_the_receiver_may_accept_a_request(
    client: httpx.AsyncClient, pair: tuple[ChatWallet, ChatWallet]
) -> None:
    a, b = pair
    await request(client, a, b, "hi")
    response = await client.put("/apis/v1/chat/request/accept", json=a.answer(b.did))
    assert refusal(response) == (403, "NOT_REQUEST_RECEIVER")


async def test_the_receiver_cannot_reply_before_accepting(
    client: httpx.AsyncClient, pair: tuple[ChatWallet, ChatWallet]
) -> None:
    a, b = pair
    await request(client, a, b, "hi")
    response = await client.post("/apis/v1/chat/message", json=b.message(a.did, "yo", "pgp"))
    assert response.json()["error"]["reason"] == "REQUEST_NOT_ACCEPTED"


async def test_a_rejected_request_leaves_the_requests_and_can_be_sent_again(
    client: httpx.AsyncClient, pair: tuple[ChatWallet, ChatWallet]
) -> None:
    a, b = pair
    await request(client, a, b, "hi")
    rejected = await client.put("/apis/v1/chat/request/reject", json=b.answer(a.did, accept=False))
    assert rejected.status_code == 200, rejected.text
    assert (await client.get(f"/apis/v1/chat/users/{b.did}/requests")).json()["requests"] == []
    again = await request(client, a, b, "again")
    assert again.status_code == 200


async def test_plaintext_goes_only_to_users_without_keys(
    client: httpx.AsyncClient, pair: tuple[ChatWallet, ChatWallet]
) -> None:
    a, b = pair
    refused = await client.post("/apis/v1/chat/request", json=a.message(b.did, "hi"))
    assert refused.json()["error"]["reason"] == "PLAINTEXT_TO_KEYED_USER"
    c = ChatWallet()
    stub = {"caip10": c.did, "did": c.did, "publicKey": "", "encryptedPrivateKey": ""}
    await client.post("/apis/v2/users/", json=stub)
    sent = await client.post("/apis/v1/chat/request", json=a.message(c.did, "hello"))
    assert sent.status_code == 200 and sent.json()["messageObj"] == {"content": "hello"}
    encrypted = await request(client, a, c, "x")
    assert encrypted.json()["error"]["reason"] in ("RECEIVER_HAS_NO_KEYS", "CHAT_EXISTS")


async def test_an_oversized_message_is_refused_before_anything_else(
    client: httpx.AsyncClient, pair: tuple[ChatWallet, ChatWallet]
) -> None:
    a, b = pair
    response = await client.post(
        "/apis/v1/chat/request",
        json=a.message(b.did, "x" * 300_000, "pgp"),  # sent twice: over the chat limit
    )
    assert refusal(response) == (413, "MESSAGE_TOO_LARGE")


async def test_a_blocked_sender_cannot_open_a_request(
    client: httpx.AsyncClient, pair: tuple[ChatWallet, ChatWallet]
) -> None:
    from pushnode_shared.protocol.chat import sdk_hash
    from tests.support.chat import pgp_sign

    a, b = pair
    profile = {"name": None, "desc": None, "picture": None, "blockedUsersList": [a.did]}
    assert b.pgp is not None
    proof = "pgpv2:" + pgp_sign(b.pgp, sdk_hash(profile))
    await client.put(
        f"/apis/v2/users/{b.did}/profile", json={**profile, "verificationProof": proof}
    )
    response = await request(client, a, b, "hi")
    assert refusal(response) == (403, "BLOCKED")


async def test_only_messages_after_acceptance_are_marked_for_the_receivers_phones(
    client: httpx.AsyncClient, pair: tuple[ChatWallet, ChatWallet], producer: LoopProducer
) -> None:
    a, b = pair
    await request(client, a, b, "hi")
    await client.post("/apis/v1/chat/message", json=a.message(b.did, "still pending", "pgp"))
    await client.put("/apis/v1/chat/request/accept", json=b.answer(a.did))
    await client.post("/apis/v1/chat/message", json=b.message(a.did, "yo", "pgp"))
    stored = [e.payload for e in producer.on(CHATS) if e.type == "ChatMessageStored"]
    assert [(s["intent"], s["accepted"]) for s in stored] == [
        (True, False),
        (False, False),
        (False, True),
    ]
