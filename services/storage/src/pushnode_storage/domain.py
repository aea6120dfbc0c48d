"""Pure storage rules: the stored form of a message and the CID that addresses it.

The stored form is canonical JSON (sorted keys, no spaces, UTF-8) put into IPFS as one raw
block, so its CID is CIDv1(raw, sha2-256(bytes)): any client can recompute it from the bytes.
"""

from __future__ import annotations

import json
from typing import Any

from pushnode_shared.infra.envelope import Envelope, derive_id
from pushnode_shared.infra.ipfs import cid_of
from pushnode_shared.protocol.events import Event, NotificationAccepted, wrap

__all__ = ["canonical_bytes", "cid_of", "stored_form"]

# 2: without `submitted_at`, the admitting node's receive time (node-local: one notification
# admitted by two nodes of a network must be the same bytes, and so the same CID, on both).
STORED_FORM_VERSION = 2


def stored_form(accepted: NotificationAccepted) -> dict[str, Any]:
    """Everything a client needs to re-verify the notification without this node.

    A broadcast lists no recipients; its `broadcast` entry names the channel and the
    subscription position it reaches (absent otherwise, so other CIDs are as before).
    """
    document: dict[str, Any] = {
        "kind": "notification",
        "version": STORED_FORM_VERSION,
        "notification_id": accepted.notification_id,
        "channel": accepted.channel,
        "chain_id": accepted.chain_id,
        "sender": accepted.sender,
        "signer": accepted.signer,
        "recipients": [r.model_dump() for r in accepted.recipients],
        "identity": accepted.identity,
        "payload": accepted.payload,
        "verification_proof": accepted.verification_proof,
        "source": accepted.source,
    }
    if accepted.broadcast is not None:
        document["broadcast"] = accepted.broadcast.model_dump()
    return document


def canonical_bytes(document: dict[str, Any]) -> bytes:
    """The exact bytes stored: canonical JSON."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


PRODUCER = "storage"


def consequence(envelope: Envelope, event: Event, suffix: str) -> Envelope:
    """`event` as storage's answer to `envelope`: the same id however often it is re-read."""
    return wrap(
        event,
        producer=PRODUCER,
        event_id=derive_id(envelope.event_id, suffix),
        causation_id=envelope.event_id,
        occurred_at=envelope.occurred_at,
    )
