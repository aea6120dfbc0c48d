"""The envelope round-trips every registered event and refuses what it cannot read."""

from __future__ import annotations

import json

import pytest

from pushnode_shared.infra.envelope import (
    MalformedEvent,
    derive_id,
    from_record,
    to_record,
)
from pushnode_shared.protocol.events import ChannelCreated, UnknownEvent, registered, unwrap, wrap
from tests.support.envelopes import raw_envelope
from tests.unit.chat.event_examples import CHAT_EXAMPLES
from tests.unit.network.event_examples import NETWORK_EXAMPLES

EXAMPLES = {
    "ChainEventObserved": {
        "chain_id": 1,
        "contract": "0xc",
        "event": "AddChannel",
        "args": {"a": 1},
        "block_number": 3,
        "block_hash": "0xb",
        "tx_hash": "0xt",
        "log_index": 0,
        "channel": "0xc",
    },
    "ChainCursorAdvanced": {
        "chain_id": 1,
        "block_number": 2,
        "block_hash": "0x",
        "logs_emitted": 0,
    },
    "ChainEventRetracted": {
        "chain_id": 1,
        "contract": "0xc",
        "event": "AddChannel",
        "block_number": 3,
        "block_hash": "0xb",
        "tx_hash": "0xt",
        "log_index": 0,
        "channel": "0xc",
        "retracted_event_id": "e",
    },
    "ChainBlocksRecorded": {
        "chain_id": 1,
        "blocks": [
            {
                "number": 3,
                "hash": "0xb",
                "parent_hash": "0xa",
                "logs": [
                    {
                        "contract": "0xc",
                        "event": "AddChannel",
                        "tx_hash": "0xt",
                        "log_index": 0,
                        "channel": "0xc",
                    }
                ],
            }
        ],
        "window": 64,
    },
    "ChainCursorRewound": {
        "chain_id": 1,
        "block_number": 2,
        "block_hash": "0xa",
        "dropped_to": 3,
        "logs_retracted": 1,
    },
    "NotificationSubmitted": {
        "notification_id": "n",
        "channel": "0xc",
        "sender": "s",
        "recipient": "r",
        "identity": "2+{}",
        "verification_proof": "eip712v2:0x",
        "source": "ETH_TEST_SEPOLIA",
        "submitted_at": "2026-01-01T00:00:00Z",
    },
    "NotificationAccepted": {
        "notification_id": "n",
        "channel": "0xc",
        "chain_id": 1,
        "sender": "s",
        "signer": "0xs",
        "recipients": [{"address": "0xa", "spam": False}],
        "identity": "2+{}",
        "payload": {},
        "verification_proof": "p",
        "source": "x",
        "submitted_at": "2026-01-01T00:00:00Z",
    },
    "ChannelSettingsChanged": {
        "channel": "0xc",
        "chain_id": 1,
        "settings": "1+1-0",
        "description": "d",
    },
    "ChannelVerificationChanged": {"channel": "0xc", "chain_id": 1, "verified": True, "by": "0xv"},
    "NotificationWithdrawn": {
        "notification_id": "n",
        "channel": "0xc",
        "chain_id": 1,
        "block_number": 7,
        "tx_hash": "0xt",
        "reason": "reorg",
    },
    "MessageWithdrawn": {
        "notification_id": "n",
        "channel": "0xc",
        "chain_id": 1,
        "reason": "reorg",
    },
    "NotificationRejected": {
        "notification_id": "n",
        "channel": "0xc",
        "reason": "BAD_SIGNATURE",
        "detail": "d",
    },
    "ChannelCreated": {
        "channel": "0xc",
        "chain_id": 1,
        "channel_type": 2,
        "identity": "1+x",
        "block_number": 1,
    },
    "SubscriptionAdded": {"channel": "0xc", "subscriber": "0xu", "chain_id": 1},
    "SubscriptionRemoved": {"channel": "0xc", "subscriber": "0xu", "chain_id": 1},
    "ChannelUpdated": {"channel": "0xc", "chain_id": 1, "identity": "1+y", "block_number": 9},
    "ChannelAliasVerified": {"channel": "0xc", "alias_chain_id": 80002, "alias": "0xa"},
    "ChannelAliasRemoved": {"channel": "0xc", "alias_chain_id": 80002, "alias": "0xa"},
    "ChannelAliasRejected": {
        "channel": "0xc",
        "alias_chain_id": 80002,
        "alias": "0xa",
        "reason": "DUPLICATE_ALIAS",
        "detail": "already has one",
    },
    "DelegateAdded": {"channel": "0xc", "delegate": "0xd", "chain_id": 1},
    "DelegateRemoved": {"channel": "0xc", "delegate": "0xd", "chain_id": 1},
    "ChannelStateChanged": {"channel": "0xc", "chain_id": 1, "active": False, "cause": "blocked"},
    "SubscriptionSubmitted": {
        "channel": "0xc",
        "chain_id": 1,
        "subscriber": "0xu",
        "action": "Subscribe",
        "user_setting": None,
        "message": "{}",
        "proof_kind": "eip712v2",
        "signature": "0x",
        "submitted_at": "2026-01-01T00:00:00Z",
    },
    "SubscriptionRejected": {
        "channel": "0xc",
        "subscriber": "0xu",
        "reason": "BAD_SIGNATURE",
        "detail": "",
    },
    "MessageStored": {
        "notification_id": "n",
        "cid": "bafk",
        "channel": "0xc",
        "chain_id": 1,
        "sender": "s",
        "recipients": [],
        "payload": {},
        "verification_proof": "p",
        "source": "x",
        "submitted_at": "2026-01-01T00:00:00Z",
    },
    "DeviceRegistered": {
        "wallet": "0xw",
        "device_token": "t",
        "platform": "android",
        "signed_at": "2026-01-01T00:00:00Z",
    },
    "DeviceUnregistered": {"wallet": "0xw", "device_token": "t", "reason": "wallet"},
    "ContentUploaded": {"cid": "bafkrei", "data": "{}", "uploaded_at": "2026-01-01T00:00:00Z"},
    "ChannelMetadataResolved": {"channel": "0xc", "cid": "bafkrei", "found": True, "name": "n"},
    "DeliveryAttempted": {
        "notification_id": "n",
        "wallet": "0xw",
        "device_token": "t",
        "provider": "fcm",
        "outcome": "DELIVERED",
        "detail": "",
        "attempt": 1,
    },
    "DeliveryRetryScheduled": {
        "notification_id": "n",
        "wallet": "0xw",
        "device_token": "t",
        "provider": "fcm",
        "attempt": 2,
        "not_before": "2026-01-01T00:00:02Z",
        "cid": "bafk",
        "channel": "0xc",
        "payload": {"notification": {"title": "T", "body": "B"}},
    },
    "DeliveryAbandoned": {
        "notification_id": "n",
        "wallet": "0xw",
        "device_token": "t",
        "provider": "fcm",
        "attempts": 5,
        "detail": "UNAVAILABLE",
    },
    "DeadLetterReplayed": {"dlq_offset": 3, "topic": "t", "operator": "ops"},
    "EventDeadLettered": {
        "consumer": "c",
        "topic": "t",
        "partition": 0,
        "offset": 1,
        "reason": "r",
        "record_key": None,
        "record_value_b64": "",
    },
}

EXAMPLES.update(CHAT_EXAMPLES)
EXAMPLES.update(NETWORK_EXAMPLES)


@pytest.mark.parametrize("ident", sorted(registered()), ids=lambda i: f"{i[0]}-v{i[1]}")
def test_every_registered_event_survives_the_envelope(ident: tuple[str, int]) -> None:
    cls = registered()[ident]
    event = cls.model_validate(EXAMPLES[ident[0]])
    key, value, headers = to_record(wrap(event, producer="test"))
    back = from_record(value, headers)
    assert key == event.key().encode()
    assert unwrap(back) == event


def test_every_registered_event_has_an_example() -> None:
    assert {name for name, _ in registered()} == set(EXAMPLES)


def test_a_body_that_is_not_json_is_malformed() -> None:
    with pytest.raises(MalformedEvent):
        from_record(b"{not json")


def test_a_type_header_that_disagrees_with_the_body_is_malformed() -> None:
    event = ChannelCreated(channel="0xc", chain_id=1, channel_type=1, identity="", block_number=1)
    _, value, _ = to_record(wrap(event, producer="test"))
    with pytest.raises(MalformedEvent):
        from_record(value, [("type", b"SomethingElse")])


def test_an_unknown_schema_version_is_reported_as_unknown() -> None:
    envelope = raw_envelope("ChannelCreated", version=99)
    with pytest.raises(UnknownEvent):
        unwrap(from_record(envelope.model_dump_json().encode()))


def test_a_payload_of_the_wrong_shape_is_malformed() -> None:
    envelope = wrap(
        ChannelCreated(channel="0xc", chain_id=1, channel_type=1, identity="", block_number=1),
        producer="p",
    )
    broken = json.loads(envelope.model_dump_json())
    broken["payload"]["chain_id"] = "not a number"
    with pytest.raises(MalformedEvent):
        unwrap(from_record(json.dumps(broken).encode()))


def test_derived_ids_are_stable_and_distinct() -> None:
    assert derive_id("a", "b") == derive_id("a", "b")
    assert derive_id("a", "b") != derive_id("ab")
