"""Pure decoding of raw JSON-RPC logs into ChainEventObserved facts (eth-abi does the ABI)."""

from __future__ import annotations

from typing import Any

from eth_abi.abi import decode

from pushnode_listener.abi import BY_TOPIC0, EventAbi
from pushnode_shared.events import ChainEventObserved
from pushnode_shared.topics import channel_key


def decode_log(chain_id: int, log: dict[str, Any]) -> ChainEventObserved | None:
    """Decode one raw log; None for a topic this node does not follow."""
    topics = log.get("topics") or []
    abi = BY_TOPIC0.get(str(topics[0]).lower()) if topics else None
    if abi is None:
        return None
    args = _decode_args(abi, topics[1:], str(log["data"]))
    return ChainEventObserved(
        chain_id=chain_id,
        contract=str(log["address"]).lower(),
        event=abi.name,
        args=args,
        block_number=int(log["blockNumber"], 16),
        block_hash=str(log["blockHash"]),
        tx_hash=str(log["transactionHash"]),
        log_index=int(log["logIndex"], 16),
        channel=channel_key(str(args[abi.channel_arg])),
    )


def _decode_args(abi: EventAbi, indexed_topics: list[str], data: str) -> dict[str, Any]:
    indexed = [p for p in abi.params if p.indexed]
    plain = [p for p in abi.params if not p.indexed]
    values: dict[str, Any] = {}
    for param, topic in zip(indexed, indexed_topics, strict=True):
        values[param.name] = _json_safe(decode([param.type], bytes.fromhex(topic[2:]))[0])
    decoded = decode([p.type for p in plain], bytes.fromhex(data.removeprefix("0x")))
    for param, value in zip(plain, decoded, strict=True):
        values[param.name] = _json_safe(value)
    return values


def _json_safe(value: Any) -> Any:
    # bytes as 0x-hex and addresses lower-case, so the log stays plain JSON.
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
        return value.lower()
    return value
