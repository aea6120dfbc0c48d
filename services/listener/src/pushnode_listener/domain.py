"""Pure rules: decode raw logs into ChainEventObserved (eth-abi), and the ids and facts of
emission and retraction (a retraction names the observation it undoes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_abi.abi import decode

from pushnode_listener.abi import BY_TOPIC0, EventAbi
from pushnode_shared.envelope import Envelope, derive_id
from pushnode_shared.events import ChainEventObserved, wrap
from pushnode_shared.events.chain import ChainEventRetracted, EmittedBlock, EmittedLog
from pushnode_shared.topics import channel_key

PRODUCER = "listener"


@dataclass(frozen=True)
class Header:
    """The part of a block header reorg detection needs."""

    number: int
    hash: str
    parent_hash: str


def observed_id(chain_id: int, tx_hash: str, log_index: int) -> str:
    """Event id of a log's observation: the same on every re-emission (crash, reorg)."""
    return derive_id("chain-log", str(chain_id), tx_hash, str(log_index))


def retracted_id(chain_id: int, tx_hash: str, log_index: int, block_hash: str) -> str:
    """Event id of a retraction: the observation's derivation plus the role and dropped block.

    The block hash is part of it because the same log can be dropped by two reorgs in turn
    (re-mined in a block that is itself dropped); each retraction is a distinct fact.
    """
    return derive_id("chain-log", str(chain_id), tx_hash, str(log_index), "retracted", block_hash)


def observed(fact: ChainEventObserved) -> Envelope:
    """The envelope of one observed log."""
    ident = observed_id(fact.chain_id, fact.tx_hash, fact.log_index)
    return wrap(fact, producer=PRODUCER, event_id=ident)


def retractions(chain_id: int, dropped: list[EmittedBlock]) -> list[Envelope]:
    """Retractions for every log of the dropped blocks, newest log first (undo in reverse)."""
    out: list[Envelope] = []
    for block in sorted(dropped, key=lambda b: b.number, reverse=True):
        for item in sorted(block.logs, key=lambda x: x.log_index, reverse=True):
            fact = ChainEventRetracted(
                chain_id=chain_id,
                contract=item.contract,
                event=item.event,
                block_number=block.number,
                block_hash=block.hash,
                tx_hash=item.tx_hash,
                log_index=item.log_index,
                channel=item.channel,
                retracted_event_id=observed_id(chain_id, item.tx_hash, item.log_index),
            )
            ident = retracted_id(chain_id, item.tx_hash, item.log_index, block.hash)
            out.append(wrap(fact, producer=PRODUCER, event_id=ident))
    return out


def emitted_block(header: Header, facts: list[ChainEventObserved]) -> EmittedBlock:
    """What the window remembers of a block: its hashes and the logs emitted from it."""
    logs = tuple(
        EmittedLog(
            contract=f.contract,
            event=f.event,
            tx_hash=f.tx_hash,
            log_index=f.log_index,
            channel=f.channel,
        )
        for f in facts
        if f.block_number == header.number
    )
    return EmittedBlock(
        number=header.number, hash=header.hash, parent_hash=header.parent_hash, logs=logs
    )


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
