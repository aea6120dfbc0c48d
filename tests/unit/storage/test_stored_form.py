"""The stored form is canonical JSON whose CID anyone can recompute."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from multiformats import CID, multihash

from pushnode_shared.protocol.events import NotificationAccepted, Recipient
from pushnode_storage.domain import canonical_bytes, cid_of, stored_form


def accepted(**changes: object) -> NotificationAccepted:
    fields: dict[str, object] = {
        "notification_id": "n",
        "channel": "0xc",
        "chain_id": 1,
        "sender": "eip155:1:0xC",
        "signer": "0xC",
        "recipients": [Recipient(address="0xa", spam=False)],
        "identity": "2+{}",
        "payload": {"b": 1, "a": "é"},
        "verification_proof": "eip712v2:0x",
        "source": "ETH_MAINNET",
        "submitted_at": datetime(2026, 1, 1, tzinfo=UTC),
    }
    fields.update(changes)
    return NotificationAccepted.model_validate(fields)


def test_the_bytes_are_sorted_compact_utf8_json() -> None:
    data = canonical_bytes(stored_form(accepted()))
    assert (
        data
        == json.dumps(
            json.loads(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()
    )
    assert "é".encode() in data


def test_the_cid_is_cidv1_raw_sha256_of_the_bytes() -> None:
    data = canonical_bytes(stored_form(accepted()))
    cid = CID.decode(cid_of(data))
    assert (cid.version, cid.codec.name) == (1, "raw")
    assert cid.digest == multihash.digest(data, "sha2-256")


def test_a_different_recipient_set_is_a_different_cid() -> None:
    one = cid_of(canonical_bytes(stored_form(accepted())))
    other = cid_of(
        canonical_bytes(stored_form(accepted(recipients=[Recipient(address="0xb", spam=True)])))
    )
    assert one != other


def test_the_receive_time_of_the_admitting_node_is_not_stored() -> None:
    early = stored_form(accepted(submitted_at=datetime(2026, 1, 1, tzinfo=UTC)))
    late = stored_form(accepted(submitted_at=datetime(2026, 1, 2, tzinfo=UTC)))
    assert cid_of(canonical_bytes(early)) == cid_of(canonical_bytes(late))
