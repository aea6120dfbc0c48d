"""The validator's NodeRegistry rule: which URL a node may be asked at, and from which contract."""

from __future__ import annotations

import pytest

from pushnode_shared.infra.db import Database
from pushnode_shared.infra.envelope import Envelope
from pushnode_shared.protocol.chains import LOCAL_CHAINS
from pushnode_shared.protocol.events import (
    ChainEventObserved,
    PeerRefused,
    PeerRegistered,
    PeerRemoved,
    PeerRetracted,
)
from pushnode_shared.protocol.network.keys import NodeKey
from pushnode_validator.domain.peers import judge_registry, retracted
from tests.unit.validator.conftest import handle, log_of, retraction_of

REGISTRY = "0x4e6f646552656769737472790000000000000000"
NODE = NodeKey.generate().address


def log(event: str, contract: str = REGISTRY, **args: str) -> ChainEventObserved:
    return ChainEventObserved(
        chain_id=11155111,
        contract=contract,
        event=event,
        args={"node": NODE.lower(), **args},
        block_number=7,
        block_hash="0x" + "ab" * 32,
        tx_hash="0x" + "cd" * 32,
        log_index=0,
        channel=NODE.lower(),
    )


def test_a_registration_at_an_http_url_admits_the_node_under_its_checksummed_id() -> None:
    decision = judge_registry(
        log("NodeRegistered", url="https://node.example/"), "obs", LOCAL_CHAINS
    )
    assert decision == PeerRegistered(
        node=NODE, chain_id=11155111, observation="obs", url="https://node.example"
    )


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("ftp://node.example", "not http(s)"),
        ("file:///etc/passwd", "not http(s)"),
        ("http://" + "a" * 260, "1 to 256 bytes"),
        ("http://user:pw@node.example", "credentials"),
        ("http://node.example/?next=http://x", "query"),
        ("http://node .example", "spaces"),
        ("http://node.example:99999", "does not parse"),
    ],
)
def test_a_registration_at_a_url_no_node_may_be_asked_at_is_refused_with_a_reason(
    url: str, why: str
) -> None:
    decision = judge_registry(log("NodeRegistered", url=url), "obs", LOCAL_CHAINS)
    assert isinstance(decision, PeerRefused)
    assert why in decision.reason


def test_a_removal_removes_the_node() -> None:
    decision = judge_registry(log("NodeRemoved"), "obs", LOCAL_CHAINS)
    assert decision == PeerRemoved(node=NODE, chain_id=11155111, observation="obs")


def test_a_registry_log_from_another_contract_or_chain_decides_nothing() -> None:
    elsewhere = log("NodeRegistered", contract="0x" + "11" * 20, url="http://node.example")
    assert judge_registry(elsewhere, "obs", LOCAL_CHAINS) is None
    other_chain = log("NodeRegistered", url="http://node.example").model_copy(
        update={"chain_id": 80002}
    )
    assert judge_registry(other_chain, "obs", LOCAL_CHAINS) is None


def test_a_retracted_log_undoes_what_it_decided_and_a_refusal_needs_no_undoing() -> None:
    joined = judge_registry(log("NodeRegistered", url="http://node.example"), "obs", LOCAL_CHAINS)
    assert joined is not None
    assert retracted(joined) == PeerRetracted(node=NODE, chain_id=11155111, observation="obs")
    refused = judge_registry(log("NodeRegistered", url="ftp://x"), "obs", LOCAL_CHAINS)
    assert refused is not None and retracted(refused) is None


def registry_log(event: str, block: int, **args: str) -> Envelope:
    envelope = log_of(event, NODE.lower(), {"node": NODE.lower(), **args}, block)
    return envelope.model_copy(update={"payload": envelope.payload | {"contract": REGISTRY}})


async def test_a_registration_is_decided_on_node_records_and_undone_when_the_chain_drops_it(
    vdb: Database,
) -> None:
    joined = registry_log("NodeRegistered", 5, url="http://node.example:4100")
    out = await handle(vdb, joined)
    assert [(e.type, e.payload["url"]) for e in out] == [
        ("PeerRegistered", "http://node.example:4100")
    ]
    assert await handle(vdb, joined) == []  # a re-emission decides nothing twice
    undone = await handle(vdb, retraction_of(joined))
    assert [(e.type, e.payload["observation"]) for e in undone] == [
        ("PeerRetracted", joined.event_id)
    ]
    assert await handle(vdb, retraction_of(joined)) == []
