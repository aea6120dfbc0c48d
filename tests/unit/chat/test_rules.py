"""Pure chat rules: the hashes match the SDK's, and who may do what in a conversation."""

from __future__ import annotations

import pytest

from pushnode_gateway.chat.rules import (
    ChatRefused,
    check_answer,
    check_message,
    check_not_blocked,
    message_hash,
)
from pushnode_shared.protocol.chat import conversation_of, sdk_hash

A, B = "eip155:0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "eip155:0xB"


def test_sdk_hash_matches_cryptojs_over_json_stringify() -> None:
    # Computed with the SDK's crypto-js: SHA256(JSON.stringify(body)).toString().
    body = {
        "fromDID": "eip155:0xA",
        "toDID": "eip155:0xA",
        "fromCAIP10": "eip155:0xA",
        "toCAIP10": "eip155:0xB",
        "messageObj": {"content": 'héllo "wörld" 😀\n/\t<>&\u2028', "n": 1.0, "f": 1.5},
        "messageType": "Text",
        "encType": "PlainText",
        "sessionKey": None,
        "encryptedSecret": "",
    }
    assert sdk_hash(body) == "f25d5878d82b9d2c9d797ec9b4b11dcc5b0d091c22d800b821bf93a24489483c"


def test_the_message_hash_keeps_the_sdks_todid_quirk() -> None:
    body = {"fromDID": A, "toDID": B, "fromCAIP10": A, "toCAIP10": B, "messageObj": "x"}
    assert message_hash(body) == message_hash({**body, "toDID": A})
    assert message_hash(body) != message_hash({**body, "toCAIP10": A})


def test_a_conversation_has_one_id_whoever_writes() -> None:
    assert conversation_of(A, B) == conversation_of(B, A)


def test_the_block_list_matches_any_spelling_of_the_wallet() -> None:
    receiver = {"profile": {"blockedUsersList": [A.split(":")[1].lower()]}}
    with pytest.raises(ChatRefused) as refused:
        check_not_blocked(A, receiver)
    assert refused.value.reason == "BLOCKED"
    check_not_blocked(B, receiver)


def test_pending_conversations_take_messages_only_from_the_requester() -> None:
    pending = {"status": "pending", "intent_sent_by": A, "intent_to": B}
    check_message(pending, A)
    with pytest.raises(ChatRefused, match="accept"):
        check_message(pending, B)
    with pytest.raises(ChatRefused) as refused:
        check_message(None, A)
    assert refused.value.reason == "NOT_A_PARTICIPANT"


def test_only_the_receiver_answers_a_request() -> None:
    pending = {"status": "pending", "intent_sent_by": A, "intent_to": B}
    check_answer(pending, A, B)
    with pytest.raises(ChatRefused) as refused:
        check_answer(pending, B, A)
    assert refused.value.reason == "NOT_REQUEST_RECEIVER"
