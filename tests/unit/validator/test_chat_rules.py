"""The validator's chat rules: the hashes match the SDK's, and each refusal has its reason."""

from __future__ import annotations

from typing import Any

import pytest

from pushnode_shared.protocol.chat import conversation_of, sdk_hash
from pushnode_validator.domain.chat import (
    Accepted,
    ChatView,
    Refusal,
    Thread,
    after_message,
    judge_answer,
    judge_message,
    message_hash,
)
from pushnode_validator.domain.keys import RegisteredKey

A, B = "eip155:0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "eip155:0xB"
ARMOR = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n..."
KEY_A, KEY_B = RegisteredKey(ARMOR + "a", "fa"), RegisteredKey(ARMOR + "b", "fb")
STUB = RegisteredKey("", "")
NOW = 1_000_000
PENDING = Thread("pending", A, B)


def good(public_key: str, text: str, signature: str) -> bool:
    return signature == "sig-by-" + public_key[-1]


def message(enc_type: str = "pgp", proof: str | None = "pgpv3:sig-by-a") -> dict[str, Any]:
    body: dict[str, Any] = {"fromDID": A, "toDID": B, "encType": enc_type, "messageObj": "x"}
    if proof is not None:
        body["verificationProof"] = proof
    return body


def view(
    thread: Thread | None = None,
    sender: RegisteredKey | None = KEY_A,
    receiver: RegisteredKey | None = KEY_B,
    blocked: tuple[str, ...] = (),
) -> ChatView:
    return ChatView(thread, sender, receiver, blocked, NOW)


def reason(verdict: Accepted | Refusal) -> str:
    assert isinstance(verdict, Refusal), verdict
    return verdict.reason


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


def test_a_signed_request_to_a_keyed_user_is_accepted_with_the_signers_key() -> None:
    verdict = judge_message(message(), A, True, view(), good)
    assert verdict == Accepted("fa", approved=False)


def test_a_sender_without_a_key_or_with_an_expired_one_is_refused() -> None:
    assert reason(judge_message(message(), A, True, view(sender=None), good)) == (
        "SENDER_HAS_NO_KEYS"
    )
    assert reason(judge_message(message(), A, True, view(sender=STUB), good)) == (
        "SENDER_HAS_NO_KEYS"
    )
    expired = RegisteredKey(KEY_A.public_key, "fa", expires_us=NOW)
    assert reason(judge_message(message(), A, True, view(sender=expired), good)) == (
        "SENDER_HAS_NO_KEYS"
    )


@pytest.mark.parametrize(
    ("enc_type", "receiver", "expected"),
    [
        ("pgp", None, "RECEIVER_HAS_NO_KEYS"),
        ("pgp", STUB, "RECEIVER_HAS_NO_KEYS"),
        ("PlainText", KEY_B, "PLAINTEXT_TO_KEYED_USER"),
        ("GroupKey", KEY_B, "UNSUPPORTED_ENC_TYPE"),
    ],
)
def test_ciphertext_goes_to_keyed_users_and_plaintext_only_to_stubs(
    enc_type: str, receiver: RegisteredKey | None, expected: str
) -> None:
    verdict = judge_message(message(enc_type), A, True, view(receiver=receiver), good)
    assert reason(verdict) == expected


def test_plaintext_to_a_user_without_keys_is_accepted() -> None:
    verdict = judge_message(message("PlainText"), A, True, view(receiver=None), good)
    assert isinstance(verdict, Accepted)


def test_the_block_list_matches_any_spelling_of_the_wallet() -> None:
    blocked = (A.split(":")[1].lower(),)
    assert reason(judge_message(message(), A, True, view(blocked=blocked), good)) == "BLOCKED"
    assert isinstance(judge_message(message(), A, True, view(blocked=(B,)), good), Accepted)


def test_a_request_into_a_live_conversation_is_refused_but_one_after_a_rejection_is_not() -> None:
    assert reason(judge_message(message(), A, True, view(PENDING), good)) == "CHAT_EXISTS"
    again = judge_message(message(), A, True, view(Thread("rejected", A, B)), good)
    assert isinstance(again, Accepted)
    assert after_message(Thread("rejected", A, B), A, B, True) == PENDING


def test_a_message_needs_a_conversation() -> None:
    assert reason(judge_message(message(), A, False, view(None), good)) == "NOT_A_PARTICIPANT"
    rejected = view(Thread("rejected", A, B))
    assert reason(judge_message(message(), A, False, rejected, good)) == "NOT_A_PARTICIPANT"


def test_pending_conversations_take_messages_only_from_the_requester() -> None:
    assert isinstance(judge_message(message(), A, False, view(PENDING), good), Accepted)
    from_b = {**message(proof="pgpv3:sig-by-b"), "fromDID": B}
    pending = view(PENDING, sender=KEY_B, receiver=KEY_A)
    assert reason(judge_message(from_b, B, False, pending, good)) == "REQUEST_NOT_ACCEPTED"


def test_a_message_in_an_approved_conversation_says_so_for_the_receivers_phones() -> None:
    verdict = judge_message(message(), A, False, view(Thread("approved", A, B)), good)
    assert verdict == Accepted("fa", approved=True)


def test_a_message_without_a_pgpv3_proof_is_refused_for_its_format() -> None:
    assert reason(judge_message(message(proof="pgpv2:x"), A, True, view(), good)) == (
        "BAD_PROOF_FORMAT"
    )
    assert reason(judge_message(message(proof=None), A, True, view(), good)) == ("BAD_PROOF_FORMAT")


def test_a_signature_by_another_key_is_refused() -> None:
    forged = message(proof="pgpv3:sig-by-b")
    assert reason(judge_message(forged, A, True, view(), good)) == "INVALID_SIGNATURE"


def test_the_receiver_answers_a_pending_request_with_its_own_key() -> None:
    signed = {"fromDID": A, "toDID": B, "status": "Approved"}
    receiver = view(PENDING, sender=KEY_B, receiver=KEY_A)
    assert judge_answer(signed, "pgp:sig-by-b", A, B, receiver, good) == Accepted("fb", True)


def test_only_the_receiver_answers_and_only_a_pending_request() -> None:
    signed = {"fromDID": B, "toDID": A}
    by_requester = view(PENDING)
    assert reason(judge_answer(signed, "pgp:sig-by-a", B, A, by_requester, good)) == (
        "NOT_REQUEST_RECEIVER"
    )
    for thread in (None, Thread("approved", A, B), Thread("rejected", A, B)):
        answered = judge_answer(signed, "pgp:sig-by-b", A, B, view(thread), good)
        assert reason(answered) == "NO_PENDING_REQUEST"


def test_an_answer_needs_a_pgp_proof_by_the_receivers_registered_key() -> None:
    signed = {"fromDID": A, "toDID": B}
    receiver = view(PENDING, sender=KEY_B, receiver=KEY_A)
    assert reason(judge_answer(signed, "pgpv3:sig-by-b", A, B, receiver, good)) == (
        "BAD_PROOF_FORMAT"
    )
    assert reason(judge_answer(signed, "pgp:sig-by-a", A, B, receiver, good)) == (
        "INVALID_SIGNATURE"
    )
    keyless = view(PENDING, sender=None, receiver=KEY_A)
    assert reason(judge_answer(signed, "pgp:sig-by-b", A, B, keyless, good)) == (
        "INVALID_SIGNATURE"
    )
