"""The node record: one client input as its origin node admitted it, signed into a hash chain.

A record names its origin (the node id that admitted the input), a gapless per-origin sequence
from 1, the hash of the origin's previous record (zeros before the first), the origin's receive
time (µs since the epoch, UTC; the origin's, carried so every node rebuilds the same
submission; never part of the input or its id), the input kind, input id and
input text. Its hash is sha256 over a domain tag and the canonical JSON of those fields; the
origin signs that hash. Anyone can check a record against its origin alone; the chain and the
input id are checked by the replica log and `input_problem`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from pushnode_shared.protocol.network.inputs import (
    MAX_INPUT_BYTES,
    BadInput,
    canonical_json,
    input_id,
)
from pushnode_shared.protocol.network.inputs import sha256_hex as _sha256_hex
from pushnode_shared.protocol.network.keys import BadNodeSignature, NodeKey, recover_digest_signer

GENESIS = "0" * 64
MAX_SEQ = 2**62
_DOMAIN = b"pushnode/node-record/v1\n"

Hex64 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Address = Annotated[str, StringConstraints(pattern=r"^0x[0-9a-fA-F]{40}$")]


class BadRecord(ValueError):
    """A record that is malformed or not signed by its origin: refused, and proves nothing."""


class NodeRecord(BaseModel):
    """The wire type every node serves and replicates."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    origin: Address
    seq: Annotated[int, Field(ge=1, le=MAX_SEQ)]
    prev: Hex64
    received_at: Annotated[int, Field(ge=0, le=2**62)]
    kind: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    input_id: Hex64
    input: Annotated[str, StringConstraints(max_length=MAX_INPUT_BYTES)]
    signature: Annotated[str, StringConstraints(pattern=r"^0x[0-9a-f]{130}$")]

    def unsigned(self) -> dict[str, Any]:
        """The fields the signature covers."""
        return self.model_dump(exclude={"signature"})

    @property
    def hash(self) -> str:
        """sha256 (hex) of the domain tag and the canonical unsigned fields."""
        return _hash_of(
            self.origin, self.seq, self.prev, self.received_at, self.kind, self.input_id, self.input
        )


@lru_cache(maxsize=65536)
def _hash_of(
    origin: str, seq: int, prev: str, received_at: int, kind: str, input_id: str, data: str
) -> str:
    # Keyed by the field values (not the object: model_copy would carry a cached hash along).
    fields = {
        "origin": origin,
        "seq": seq,
        "prev": prev,
        "received_at": received_at,
        "kind": kind,
        "input_id": input_id,
        "input": data,
    }
    return _sha256_hex(_DOMAIN + canonical_json(fields))


def sign_record(
    key: NodeKey, *, seq: int, prev: str, received_at: int, kind: str, data: str
) -> NodeRecord:
    """The origin's side: a record of canonical input `data`, signed with `key`."""
    ident = input_id(kind, data)
    digest = bytes.fromhex(_hash_of(key.address, seq, prev, received_at, kind, ident, data))
    return NodeRecord(
        origin=key.address,
        seq=seq,
        prev=prev,
        received_at=received_at,
        kind=kind,
        input_id=ident,
        input=data,
        signature=key.sign_digest(digest),
    )


def read_record(value: Any) -> NodeRecord:
    """A record from a peer's JSON, checked against its origin's signature; BadRecord if not."""
    try:
        record = NodeRecord.model_validate(value)
    except ValidationError as exc:
        raise BadRecord(f"not a node record: {exc.error_count()} errors") from exc
    check_signature(record)
    return record


def check_signature(record: NodeRecord) -> None:
    """BadRecord unless the signature recovers to the record's (checksummed) origin."""
    signer = _signer(record.hash, record.signature)
    if signer != record.origin:  # exact: an origin is written checksummed, in one way only
        raise BadRecord(f"signed by {signer}, not by its origin {record.origin}")


@lru_cache(maxsize=65536)
def _signer(digest: str, signature: str) -> str:
    # A record reaches a node from many peers: its signature is recovered once.
    try:
        return recover_digest_signer(bytes.fromhex(digest), signature)
    except BadNodeSignature as exc:
        raise BadRecord(str(exc)) from exc


def input_problem(record: NodeRecord) -> str | None:
    """Why the origin should not have signed this input (unreadable, wrong input id), or None."""
    try:
        expected = input_id(record.kind, record.input)
    except BadInput as exc:
        return f"BAD_INPUT: {exc}"
    if expected != record.input_id:
        return "INPUT_ID_MISMATCH: the input id is not the hash of what the client signed"
    return None
