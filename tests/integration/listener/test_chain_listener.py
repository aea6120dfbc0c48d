"""The listener's poller in-process on the real dev chains (anvil) and Kafka.

Each test writes to its own copies of protocol-inputs and chain-cursors, uses fresh wallets,
and starts following at the current block, so it does not depend on other tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from types import ModuleType
from typing import Any

import pytest
from eth_account import Account
from prometheus_client import REGISTRY
from web3 import Web3

from pushnode_listener.abi import BY_TOPIC0
from pushnode_listener.adapters.heads import NewHeads, ws_url_of
from pushnode_listener.bootstrap import chain_check
from pushnode_listener.poller import ChainPoller
from pushnode_shared.infra.consumer import TransientError
from pushnode_shared.infra.envelope import Envelope
from tests.integration.listener.anvil import RPC, Redirected, make_poller, read_all, rpc
from tests.support.bysig import relay_opt
from tests.support.devchain import fresh_wallet

pytestmark = pytest.mark.integration


async def settle(poller: ChainPoller) -> None:
    """Step until the poller has nothing left to do (transient faults retried)."""
    async with asyncio.timeout(60):
        while True:
            try:
                if not await poller.step():
                    return
            except TransientError:
                await asyncio.sleep(0.2)


async def until_past(poller: ChainPoller, block: int) -> None:
    """Wait until a running poller has emitted past `block`."""
    for _ in range(300):
        if poller.next_block is not None and poller.next_block > block:
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"poller did not pass block {block}")


def hexstr(value: Any) -> str:
    return "0x" + bytes(value).hex()


def push_logs(receipts: list[Any], addresses: set[str]) -> list[tuple[str, int]]:
    """(tx hash, log index) of every Push log the receipts hold, in chain order."""
    found = [
        (log["blockNumber"], log["logIndex"], hexstr(log["transactionHash"]))
        for receipt in receipts
        for log in receipt["logs"]
        if log["address"].lower() in addresses and hexstr(log["topics"][0]) in BY_TOPIC0
    ]
    return [(tx, index) for _, index, tx in sorted(found)]


def positions(records: list[Envelope], chain_id: int, txs: set[str]) -> list[tuple[str, int]]:
    return [
        (e.payload["tx_hash"], e.payload["log_index"])
        for e in records
        if e.type == "ChainEventObserved"
        and e.payload["chain_id"] == chain_id
        and e.payload["tx_hash"] in txs
    ]


def lifecycle(deploy: ModuleType, sepolia: Web3, owner: str, user: str) -> list[Any]:
    """Create, update and delegate: mined before the listener starts (history sync)."""
    return [
        deploy.create_channel(sepolia, owner, b"1+bafy-create"),
        deploy.update_channel_meta(sepolia, owner, b"1+bafy-update"),
        deploy.add_delegate(sepolia, owner, deploy.address_of(user)),
    ]


def live(deploy: ModuleType, sepolia: Web3, owner: str, user: str) -> list[Any]:
    """Subscribe, notify, remove delegate, unsubscribe, both again by signature, deactivate,
    block: mined while following."""
    channel, comm, core = deploy.address_of(owner), deploy.comm(sepolia), deploy.core(sepolia)
    admin = deploy.anvil_private_keys()[0]
    return [
        deploy.subscribe(sepolia, user, channel),
        deploy.send_notification(sepolia, owner, channel, deploy.address_of(user), b"3+hi"),
        deploy.send_tx(sepolia, owner, comm.functions.removeDelegate(deploy.address_of(user))),
        deploy.unsubscribe(sepolia, user, channel),
        relay_opt(sepolia, owner, user, channel, "Subscribe"),  # gasless, relayed by the owner
        relay_opt(sepolia, owner, user, channel, "Unsubscribe"),
        deploy.send_tx(sepolia, owner, core.functions.deactivateChannel()),
        deploy.send_tx(sepolia, admin, core.functions.blockChannel(channel)),
    ]


def opt_ins_of(records: list[Envelope], user: str) -> list[str]:
    """The user's Subscribe/Unsubscribe events, in log order."""
    return [
        e.payload["event"]
        for e in records
        if e.payload["event"] in ("Subscribe", "Unsubscribe")
        and e.payload["args"]["user"] == user.lower()
    ]


async def test_a_channel_lifecycle_on_both_chains_arrives_once_and_in_order(
    deploy: ModuleType, sepolia: Web3, amoy: Web3, publisher: Redirected, kafka: str
) -> None:
    owner, user = fresh_wallet(sepolia, deploy, push=1000), fresh_wallet(sepolia, deploy, push=0)
    rpc(amoy, "anvil_setBalance", deploy.address_of(owner), hex(10**20))
    starts = {11155111: sepolia.eth.block_number + 1, 80002: amoy.eth.block_number + 1}
    sepolia_receipts = lifecycle(deploy, sepolia, owner, user)
    pollers = {cid: make_poller(cid, start, publisher) for cid, start in starts.items()}
    stop = asyncio.Event()
    tasks = [asyncio.create_task(p.run(stop)) for p in pollers.values()]
    sepolia_receipts += await asyncio.to_thread(live, deploy, sepolia, owner, user)
    channel = deploy.address_of(owner)
    alias = await asyncio.to_thread(deploy.verify_channel_alias, amoy, owner, channel)
    await until_past(pollers[11155111], sepolia_receipts[-1]["blockNumber"])
    await until_past(pollers[80002], alias["blockNumber"])
    stop.set()
    await asyncio.gather(*tasks)
    records = await read_all(kafka, publisher.topics["protocol-inputs"])
    sepolia_addresses = {deploy.core_address().lower(), deploy.comm_address(11155111).lower()}
    expected = push_logs(sepolia_receipts, sepolia_addresses)
    txs = {tx for tx, _ in expected}
    mine = [e for e in records if e.key == channel.lower()]
    assert sorted(positions(records, 11155111, txs)) == sorted(expected)  # each exactly once
    in_partition = positions(mine, 11155111, txs)
    assert in_partition == [p for p in expected if p in set(in_partition)]  # in chain order
    names = [e.payload["event"] for e in mine if e.payload["chain_id"] == 11155111]
    lifecycle_names = [
        *("AddChannel", "UpdateChannel", "AddDelegate", "SendNotification"),
        *("RemoveDelegate", "DeactivateChannel", "ChannelBlocked"),
    ]
    assert [n for n in names if n in lifecycle_names] == lifecycle_names
    assert opt_ins_of(mine, deploy.address_of(user)) == [  # on-chain, then by signature
        *("Subscribe", "Unsubscribe", "Subscribe", "Unsubscribe")
    ]
    aliases = [e for e in mine if e.payload["chain_id"] == 80002]
    assert [e.payload["event"] for e in aliases] == ["ChannelAlias"]
    assert len({e.event_id for e in records}) == len(records)
    for p in pollers.values():
        await p.rpc.aclose()  # type: ignore[attr-defined]


def subscriber_of(envelope: Envelope) -> str:
    return str(envelope.payload["args"]["user"])


async def test_a_reorg_inside_the_window_retracts_then_re_emits_the_canonical_logs(
    deploy: ModuleType, amoy: Web3, publisher: Redirected, kafka: str
) -> None:
    channel = Account.from_key("0x" + secrets.token_hex(32)).address
    users = [fresh_wallet(amoy, deploy) for _ in range(4)]
    poller = make_poller(80002, amoy.eth.block_number + 1, publisher, finality=16)
    kept = deploy.subscribe(amoy, users[0], channel)
    await settle(poller)
    snapshot = rpc(amoy, "evm_snapshot")
    for key in users[1:3]:
        deploy.subscribe(amoy, key, channel)
    await settle(poller)
    rpc(amoy, "evm_revert", snapshot)
    deploy.subscribe(amoy, users[3], channel)
    rpc(amoy, "evm_mine")
    rpc(amoy, "evm_mine")  # the new branch grows past the old tip
    await settle(poller)
    await poller.rpc.aclose()  # type: ignore[attr-defined]
    records = [
        e
        for e in await read_all(kafka, publisher.topics["protocol-inputs"])
        if e.key == channel.lower()
    ]
    who = [deploy.address_of(k).lower() for k in users]
    observed = {e.event_id: e for e in records if e.type == "ChainEventObserved"}
    story = [
        (
            e.type,
            subscriber_of(e)
            if e.type == "ChainEventObserved"
            else subscriber_of(observed[e.payload["retracted_event_id"]]),
        )
        for e in records
    ]
    assert story == [
        ("ChainEventObserved", who[0]),
        ("ChainEventObserved", who[1]),
        ("ChainEventObserved", who[2]),
        ("ChainEventRetracted", who[2]),
        ("ChainEventRetracted", who[1]),
        ("ChainEventObserved", who[3]),
    ]
    cursors = await read_all(kafka, publisher.topics["chain-cursors"])
    rewound = [e for e in cursors if e.type == "ChainCursorRewound"]
    assert [e.payload["block_number"] for e in rewound] == [kept["blockNumber"]]
    assert cursors[-1].type == "ChainCursorAdvanced"
    assert poller.halted is None


async def test_a_reorg_deeper_than_finality_halts_the_chain_and_fails_readiness(
    deploy: ModuleType, amoy: Web3, publisher: Redirected, kafka: str
) -> None:
    channel = Account.from_key("0x" + secrets.token_hex(32)).address
    users = [fresh_wallet(amoy, deploy) for _ in range(5)]
    poller = make_poller(80002, amoy.eth.block_number + 1, publisher, finality=2)
    deploy.subscribe(amoy, users[0], channel)
    await settle(poller)
    snapshot = rpc(amoy, "evm_snapshot")
    for key in users[1:5]:
        deploy.subscribe(amoy, key, channel)
    await settle(poller)
    emitted = len(await read_all(kafka, publisher.topics["protocol-inputs"]))
    rpc(amoy, "evm_revert", snapshot)
    for _ in range(6):
        rpc(amoy, "evm_mine")
    await settle(poller)
    await poller.rpc.aclose()  # type: ignore[attr-defined]
    assert poller.halted is not None and "deeper than finality" in poller.halted
    ready, reason = await chain_check(poller)()
    assert not ready and reason.startswith("halted:")
    assert REGISTRY.get_sample_value("pushnode_listener_halted", {"chain": "80002"}) == 1.0
    assert len(await read_all(kafka, publisher.topics["protocol-inputs"])) == emitted


async def test_anvil_announces_new_heads_on_its_websocket(amoy: Web3) -> None:
    heads = NewHeads(ws_url_of(RPC[80002]) or "", 80002)
    task = asyncio.create_task(heads.run())
    try:
        async with asyncio.timeout(10):
            await heads.arrived.wait()  # subscribed: the first look
            heads.arrived.clear()
            await asyncio.to_thread(rpc, amoy, "evm_mine")
            await heads.arrived.wait()
        assert heads.connected
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
