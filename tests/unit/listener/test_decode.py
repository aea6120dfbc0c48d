"""The listener decodes Push logs by topic0 into ChainEventObserved keyed by channel."""

from __future__ import annotations

import pytest
from eth_abi import encode

from pushnode_listener.abi import BY_TOPIC0, EVENTS, EventAbi
from pushnode_listener.domain import decode_log, observed
from pushnode_shared.infra.envelope import to_record
from pushnode_shared.protocol.events import wrap

CHANNEL = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"
USER = "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc"


def topic(value: str | int) -> str:
    if isinstance(value, int):
        return "0x" + value.to_bytes(32, "big").hex()
    return "0x" + "0" * 24 + value[2:]


def raw_log(topics: list[str], data: bytes, index: int = 0) -> dict[str, str | list[str]]:
    return {
        "address": "0x5AB1520E2BD519BDAB2E1347EEE81C00A77F4946",
        "topics": topics,
        "data": "0x" + data.hex(),
        "blockNumber": "0x10",
        "blockHash": "0x" + "ab" * 32,
        "transactionHash": "0x" + "cd" * 32,
        "logIndex": hex(index),
    }


def topic0(name: str) -> str:
    return next(e.topic0 for e in EVENTS if e.name == name)


def test_topic0_is_the_keccak_of_the_exact_signature() -> None:
    assert topic0("AddChannel") == (
        "0x1f97bc77a1686355f130d93883d42f2434474cf65f97b29bc451ea7f9388d36a"
    )
    assert topic0("Subscribe") == (
        "0x5ffe3cc8f1055f172e55be8d832143a6cffb4cb3a56a18bf780fd4112d4cecc7"
    )


def test_every_event_has_a_distinct_topic0() -> None:
    assert len(BY_TOPIC0) == len(EVENTS)


def test_add_channel_decodes_its_identity_and_type() -> None:
    log = raw_log([topic0("AddChannel"), topic(CHANNEL), topic(2)], encode(["bytes"], [b"1+bafy"]))
    fact = decode_log(11155111, log)
    assert fact is not None
    assert (fact.event, fact.channel, fact.block_number) == ("AddChannel", CHANNEL, 16)
    assert fact.args == {"channel": CHANNEL, "channelType": 2, "identity": "0x" + b"1+bafy".hex()}


def test_subscribe_is_keyed_by_the_channel_not_the_user() -> None:
    fact = decode_log(80002, raw_log([topic0("Subscribe"), topic(CHANNEL), topic(USER)], b""))
    assert fact is not None
    assert fact.channel == CHANNEL
    assert fact.args["user"] == USER


def test_add_delegate_has_no_indexed_arguments() -> None:
    data = encode(["address", "address"], [CHANNEL, USER])
    fact = decode_log(1, raw_log([topic0("AddDelegate")], data))
    assert fact is not None
    assert fact.args == {"channel": CHANNEL, "delegate": USER}


def test_channel_alias_is_keyed_by_the_ethereum_channel() -> None:
    data = encode(["string", "string"], ["POLYGON_TEST_AMOY", CHANNEL.upper().replace("X", "x")])
    topics = [topic0("ChannelAlias"), topic(80002), topic(USER)]
    fact = decode_log(80002, raw_log(topics, data))
    assert fact is not None
    assert fact.channel == CHANNEL


def test_a_log_of_another_event_is_ignored() -> None:
    assert decode_log(1, raw_log(["0x" + "00" * 32], b"")) is None


def test_the_v1_update_channel_without_amount_decodes_as_update_channel() -> None:
    v1 = next(e for e in EVENTS if e.signature == "UpdateChannel(address,bytes)")
    v2 = next(e for e in EVENTS if e.signature == "UpdateChannel(address,bytes,uint256)")
    assert v1.topic0 != v2.topic0
    log = raw_log([v1.topic0, topic(CHANNEL)], encode(["bytes"], [b"1+bafy-v1"]))
    fact = decode_log(1, log)
    assert fact is not None
    assert (fact.event, fact.channel) == ("UpdateChannel", CHANNEL)
    assert fact.args == {"channel": CHANNEL, "identity": "0x" + b"1+bafy-v1".hex()}


def test_settings_with_an_unindexed_channel_are_keyed_by_that_channel() -> None:
    data = encode(["address", "uint256", "string", "string"], [CHANNEL, 2, "1-0+2-5", "a+b"])
    fact = decode_log(1, raw_log([topic0("ChannelNotifcationSettingsAdded")], data))
    assert fact is not None
    assert fact.channel == CHANNEL
    assert fact.args["_notifSettings"] == "1-0+2-5"


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: e.signature)
def test_every_followed_event_decodes_as_eth_abi_reads_it(event: EventAbi) -> None:
    samples = {
        "address": USER,
        "uint8": 5,
        "uint256": 10**30 + 7,
        "bytes": b"\x01+bafy",
        "string": "POLYGON_TEST_AMOY",
    }
    samples_by_param = {p.name: samples[p.type] for p in event.params}
    if event.channel_arg:
        arg = next(p for p in event.params if p.name == event.channel_arg)
        samples_by_param[arg.name] = CHANNEL
    topics = [event.topic0] + [
        "0x" + encode([p.type], [samples_by_param[p.name]]).hex() for p in event.indexed
    ]
    data = encode(list(event.plain_types), [samples_by_param[p.name] for p in event.plain])
    fact = decode_log(1, raw_log(topics, data))
    assert fact is not None
    expected = {
        name: "0x" + value.hex() if isinstance(value, bytes) else value
        for name, value in samples_by_param.items()
    }
    assert fact.args == expected
    assert fact.channel == CHANNEL


def test_a_log_with_too_few_topics_for_its_event_is_refused() -> None:
    with pytest.raises(ValueError, match="indexed topics"):
        decode_log(1, raw_log([topic0("Subscribe"), topic(CHANNEL)], b""))


def test_an_observation_envelope_is_what_wrap_builds() -> None:
    log = raw_log([topic0("Subscribe"), topic(CHANNEL), topic(USER)], b"")
    fact = decode_log(80002, log)
    assert fact is not None
    fast = observed(fact)
    slow = wrap(fact, producer="listener", event_id=fast.event_id, occurred_at=fast.occurred_at)
    assert fast == slow
    assert to_record(fast) == to_record(slow)


def test_a_node_registry_log_is_keyed_by_the_node_and_carries_its_url() -> None:
    raw = raw_log([topic0("NodeRegistered"), topic(USER)], encode(["string"], ["http://n:4100"]))
    fact = decode_log(11155111, raw)
    assert fact is not None
    assert (fact.event, fact.channel, fact.args) == (
        "NodeRegistered",
        USER,
        {"node": USER, "url": "http://n:4100"},
    )
