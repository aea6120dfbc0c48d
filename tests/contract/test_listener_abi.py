"""The listener's event table and the dev chains' compiled contracts (Core, Comm and the
NodeRegistry) agree, topic for topic.

The contracts in devstack/contracts carry the real Push signatures (typos included), so a
topic0 the listener expects that the contracts never emit, or a channel event they emit that
the listener ignores, is a bug on one side.
"""

from __future__ import annotations

import json
from pathlib import Path

from eth_utils.crypto import keccak

from pushnode_listener.abi import BY_TOPIC0, EVENTS

ARTIFACTS = Path(__file__).resolve().parents[2] / "devstack" / "contracts" / "artifacts"
# Events that name no channel: nothing downstream reads them.
NOT_FOLLOWED = {
    "RewardsClaimed",
    "Staked",
    "Unstaked",
    "RewardsHarvested",
    "IncentivizeChatReqReceived",
    "ChatIncentiveClaimed",
    "IncentivizeChatReqInitiated",
    "PublicKeyRegistered",
}
# Older versions the mainnet history still holds; today's contracts no longer emit them.
OLDER_VERSIONS = {"UpdateChannel(address,bytes)"}


def emitted(contract: str) -> dict[str, str]:
    """Canonical signature -> topic0 of every event in a compiled artifact."""
    abi = json.loads((ARTIFACTS / f"{contract}.json").read_text())["abi"]
    out = {}
    for item in abi:
        if item["type"] == "event":
            signature = f"{item['name']}({','.join(i['type'] for i in item['inputs'])})"
            out[signature] = "0x" + keccak(text=signature).hex()
    return out


def test_every_followed_event_is_one_the_contracts_emit_or_an_older_version() -> None:
    compiled = emitted("PushCore") | emitted("PushComm") | emitted("NodeRegistry")
    for event in EVENTS:
        if event.signature not in OLDER_VERSIONS:
            assert compiled.get(event.signature) == event.topic0, event.signature


def test_every_channel_event_the_contracts_emit_is_followed() -> None:
    compiled = emitted("PushCore") | emitted("PushComm") | emitted("NodeRegistry")
    missing = {
        sig
        for sig, topic0 in compiled.items()
        if topic0 not in BY_TOPIC0 and sig.split("(")[0] not in NOT_FOLLOWED
    }
    assert missing == set()


def test_indexed_parameters_match_the_contracts() -> None:
    for contract in ("PushCore", "PushComm", "NodeRegistry"):
        abi = json.loads((ARTIFACTS / f"{contract}.json").read_text())["abi"]
        for item in abi:
            if item["type"] != "event" or item["name"] in NOT_FOLLOWED:
                continue
            ours = next(
                e for e in EVENTS if e.name == item["name"] and len(e.params) == len(item["inputs"])
            )
            assert [p.indexed for p in ours.params] == [i["indexed"] for i in item["inputs"]]
