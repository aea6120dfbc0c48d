"""Place the dev-stack Push contracts at the SDK's ``env: 'local'`` addresses on anvil.

Usage (from the repo root)::

    .venv/bin/python devstack/contracts/deploy.py \
        [--rpc 11155111=http://127.0.0.1:8545 --rpc 80002=http://127.0.0.1:8546]

For every configured chain the runtime bytecode from ``artifacts/`` is written with
``anvil_setCode`` (no constructor runs, storage starts empty) and each contract's
``initialize(...)`` is called once by anvil account 0, which becomes the Push channel
admin. On the Core chain (11155111) Comm is wired to Core and the PUSH token, and 10,000
PUSH are minted to each of anvil's 10 default accounts when the token is first
initialized. Re-running is a no-op: code that already matches is left alone, and
initialized contracts are not initialized again. (Code that differs from the artifact is
overwritten in place; storage is kept, so restart anvil if a storage layout changed.)

Importable helpers for tests: ``deploy_all``, ``create_channel``, ``subscribe`` and
friends, ``core_address``, ``comm_address``, ``token_address``, ``load_artifact``,
``event_topic``, ``register_node``, ``remove_node``, ``fund``. The artifacts are built
by ``node devstack/contracts/build.mjs``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from eth_account import Account
from eth_typing import ChecksumAddress
from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.types import RPCEndpoint, TxParams, TxReceipt

# --------------------------------------------------------------------------------------
# Configuration: every address and key lives here.
# --------------------------------------------------------------------------------------

CORE_CHAIN_ID = 11155111  # Core + PUSH token live on the "Ethereum" chain only
AMOY_CHAIN_ID = 80002


# A NamedTuple rather than a dataclass so this file also works when loaded with
# importlib.util.spec_from_file_location without being registered in sys.modules.
class ChainConfig(NamedTuple):
    chain_name: str  # Comm's chainName; also the payload `source` string for this chain
    comm: str
    core: str | None = None
    push_token: str | None = None
    node_registry: str | None = None  # the network's NodeRegistry, on the home chain only


# @pushprotocol/restapi config.ts, ENV.LOCAL.
CHAINS: dict[int, ChainConfig] = {
    CORE_CHAIN_ID: ChainConfig(
        chain_name="ETH_TEST_SEPOLIA",
        comm="0x9dDCD7ed7151afab43044E4D694FA064742C428c",
        core="0x5ab1520e2bd519bdab2e1347eee81c00a77f4946",
        push_token="0x37c779a1564DCc0e3914aB130e0e787d93e21804",
        # Not an SDK address (the SDK knows no registry): "NodeRegistry" in ASCII, zero-padded.
        node_registry="0x4e6f646552656769737472790000000000000000",
    ),
    AMOY_CHAIN_ID: ChainConfig(
        chain_name="POLYGON_TEST_AMOY",
        comm="0x9cb3bd7550b5c92baa056fc0f08132f49508145f",
    ),
}

DEFAULT_RPC_URLS: dict[int, str] = {
    CORE_CHAIN_ID: "http://127.0.0.1:8545",
    AMOY_CHAIN_ID: "http://127.0.0.1:8546",
}

# anvil's default accounts come from this mnemonic (m/44'/60'/0'/0/i).
ANVIL_MNEMONIC = "test test test test test test test test test test test junk"
ANVIL_ACCOUNT_COUNT = 10
ADMIN_PRIVATE_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"

PUSH = 10**18
ADD_CHANNEL_MIN_FEES = 50 * PUSH
MINT_PER_ACCOUNT = 10_000 * PUSH

CHANNEL_TYPE_INTEREST_BEARING_OPEN = 2  # PushCore.ChannelType.InterestBearingOpen
GAS_PADDING = 20_000  # added on top of 125% of anvil's gas estimate

ARTIFACTS_DIR = Path(__file__).resolve().parent / "artifacts"


# --------------------------------------------------------------------------------------
# Lookups
# --------------------------------------------------------------------------------------


def core_address() -> ChecksumAddress:
    return Web3.to_checksum_address(_required(CHAINS[CORE_CHAIN_ID].core))


def token_address() -> ChecksumAddress:
    return Web3.to_checksum_address(_required(CHAINS[CORE_CHAIN_ID].push_token))


def comm_address(chain_id: int) -> ChecksumAddress:
    return Web3.to_checksum_address(CHAINS[chain_id].comm)


def node_registry_address() -> ChecksumAddress:
    return Web3.to_checksum_address(_required(CHAINS[CORE_CHAIN_ID].node_registry))


def _required(value: str | None) -> str:
    if value is None:
        raise ValueError("address not configured")
    return value


@cache
def load_artifact(name: str) -> dict[str, Any]:
    """``{abi, bytecode, compiler, contractName, deployedBytecode, sourceName}``."""
    data: dict[str, Any] = json.loads((ARTIFACTS_DIR / f"{name}.json").read_text())
    return data


def contract(w3: Web3, name: str, address: str) -> Contract:
    return w3.eth.contract(
        address=Web3.to_checksum_address(address), abi=load_artifact(name)["abi"]
    )


def core(w3: Web3) -> Contract:
    return contract(w3, "PushCore", core_address())


def comm(w3: Web3, chain_id: int | None = None) -> Contract:
    return contract(w3, "PushComm", comm_address(chain_id or w3.eth.chain_id))


def token(w3: Web3) -> Contract:
    return contract(w3, "PushToken", token_address())


def node_registry(w3: Web3) -> Contract:
    return contract(w3, "NodeRegistry", node_registry_address())


def event_topic(signature: str) -> str:
    """topic0 for an event signature, e.g. ``event_topic("Subscribe(address,address)")``."""
    return "0x" + Web3.keccak(text=signature).hex().removeprefix("0x")


@cache
def anvil_private_keys(count: int = ANVIL_ACCOUNT_COUNT) -> tuple[str, ...]:
    """Private keys of anvil's default accounts, account 0 first."""
    Account.enable_unaudited_hdwallet_features()
    keys = []
    for i in range(count):
        acct = Account.from_mnemonic(ANVIL_MNEMONIC, account_path=f"m/44'/60'/0'/0/{i}")
        keys.append("0x" + bytes(acct.key).hex())
    return tuple(keys)


def address_of(private_key: str) -> ChecksumAddress:
    return Web3.to_checksum_address(Account.from_key(private_key).address)


# --------------------------------------------------------------------------------------
# Transactions
# --------------------------------------------------------------------------------------


def connect(rpc_url: str, expected_chain_id: int | None = None) -> Web3:
    w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": 30}))
    if expected_chain_id is not None and w3.eth.chain_id != expected_chain_id:
        raise RuntimeError(
            f"{rpc_url} reports chain id {w3.eth.chain_id}, expected {expected_chain_id}"
        )
    return w3


def send_tx(w3: Web3, private_key: str, fn: ContractFunction) -> TxReceipt:
    """Sign ``fn`` with ``private_key``, send it and wait; raises if it reverted."""
    sender = address_of(private_key)
    params: TxParams = {"from": sender, "nonce": w3.eth.get_transaction_count(sender, "pending")}
    tx = fn.build_transaction(params)
    # anvil 1.7.1's eth_estimateGas sometimes returns exactly the gas used, which is not
    # enough once SSTORE's 2300-gas sentry / refunds come into play (seen on blockChannel:
    # "ReentrancySentryOOG"). Pad it; unused gas is refunded anyway.
    tx["gas"] = int(tx["gas"]) * 5 // 4 + GAS_PADDING
    signed = Account.sign_transaction(tx, private_key)
    tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=60)
    if receipt["status"] != 1:
        raise RuntimeError(f"transaction {tx_hash.hex()} reverted")
    return receipt


def approve_push(w3: Web3, private_key: str, amount: int) -> TxReceipt | None:
    """Make sure Core may pull ``amount`` PUSH from the key's account."""
    allowance: int = token(w3).functions.allowance(address_of(private_key), core_address()).call()
    if allowance >= amount:
        return None
    return send_tx(w3, private_key, token(w3).functions.approve(core_address(), amount))


def create_channel(
    w3: Web3,
    private_key: str,
    identity: bytes,
    amount: int = ADD_CHANNEL_MIN_FEES,
    channel_type: int = CHANNEL_TYPE_INTEREST_BEARING_OPEN,
    expiry_time: int = 0,
) -> TxReceipt:
    """approve + ``createChannelWithPUSH``; the channel is the key's address."""
    approve_push(w3, private_key, amount)
    fn = core(w3).functions.createChannelWithPUSH(channel_type, identity, amount, expiry_time)
    return send_tx(w3, private_key, fn)


def update_channel_meta(
    w3: Web3, private_key: str, identity: bytes, amount: int | None = None
) -> TxReceipt:
    """approve + ``updateChannelMeta``; the fee for the N-th update is 50 PUSH * N."""
    channel = address_of(private_key)
    if amount is None:
        count: int = core(w3).functions.channelUpdateCounter(channel).call()
        amount = ADD_CHANNEL_MIN_FEES * (count + 1)
    approve_push(w3, private_key, amount)
    return send_tx(w3, private_key, core(w3).functions.updateChannelMeta(channel, identity, amount))


def subscribe(w3: Web3, private_key: str, channel_address: str) -> TxReceipt:
    fn = comm(w3).functions.subscribe(Web3.to_checksum_address(channel_address))
    return send_tx(w3, private_key, fn)


def unsubscribe(w3: Web3, private_key: str, channel_address: str) -> TxReceipt:
    fn = comm(w3).functions.unsubscribe(Web3.to_checksum_address(channel_address))
    return send_tx(w3, private_key, fn)


def add_delegate(w3: Web3, private_key: str, delegate: str) -> TxReceipt:
    fn = comm(w3).functions.addDelegate(Web3.to_checksum_address(delegate))
    return send_tx(w3, private_key, fn)


def send_notification(
    w3: Web3, private_key: str, channel_address: str, recipient: str, identity: bytes
) -> TxReceipt:
    """``sendNotification``; an unauthorised sender gets a receipt with no log (not a revert)."""
    fn = comm(w3).functions.sendNotification(
        Web3.to_checksum_address(channel_address), Web3.to_checksum_address(recipient), identity
    )
    return send_tx(w3, private_key, fn)


def fund(w3: Web3, address: str, wei: int = 10 * PUSH) -> None:
    """Give an account gas money (a node key is no anvil account): ``anvil_setBalance``."""
    params = [Web3.to_checksum_address(address), hex(wei)]
    response = w3.provider.make_request(RPCEndpoint("anvil_setBalance"), params)
    if response.get("error"):
        raise RuntimeError(f"anvil_setBalance {address}: {response['error']}")


def register_node(w3: Web3, node_key: str, url: str) -> TxReceipt:
    """The node joins the network: ``register(url)`` sent from its own node key."""
    return send_tx(w3, node_key, node_registry(w3).functions.register(url))


def remove_node(w3: Web3, private_key: str, node: str) -> TxReceipt:
    """``remove(node)`` by the node itself or the registry's admin."""
    fn = node_registry(w3).functions.remove(Web3.to_checksum_address(node))
    return send_tx(w3, private_key, fn)


def verify_channel_alias(w3: Web3, private_key: str, eth_channel_address: str) -> TxReceipt:
    return send_tx(w3, private_key, comm(w3).functions.verifyChannelAlias(eth_channel_address))


# --------------------------------------------------------------------------------------
# Deployment
# --------------------------------------------------------------------------------------


def _place(w3: Web3, name: str, address: str) -> str:
    """anvil_setCode unless the runtime code already matches; returns what happened."""
    runtime: str = load_artifact(name)["deployedBytecode"]
    current = w3.eth.get_code(Web3.to_checksum_address(address))
    if bytes(current) == bytes.fromhex(runtime.removeprefix("0x")):
        return "unchanged"
    response = w3.provider.make_request(RPCEndpoint("anvil_setCode"), [address, runtime])
    if response.get("error"):
        raise RuntimeError(f"anvil_setCode {name} at {address}: {response['error']}")
    return "replaced" if len(current) else "placed"


def _init_once(w3: Web3, c: Contract, fn: ContractFunction) -> bool:
    if c.functions.initialized().call():
        return False
    send_tx(w3, ADMIN_PRIVATE_KEY, fn)
    return True


def _ensure_setting(
    w3: Web3, getter: ContractFunction, setter: ContractFunction, want: str
) -> bool:
    if Web3.to_checksum_address(getter.call()) == Web3.to_checksum_address(want):
        return False
    send_tx(w3, ADMIN_PRIVATE_KEY, setter)
    return True


def _deploy_core_side(w3: Web3, report: dict[str, Any]) -> None:
    """PUSH token + Core (+ wiring Comm to them); Comm must already be initialized."""
    admin = address_of(ADMIN_PRIVATE_KEY)
    push, core_c, comm_c = token(w3), core(w3), comm(w3, CORE_CHAIN_ID)
    report["PushToken"]["initialized_now"] = _init_once(w3, push, push.functions.initialize())
    if report["PushToken"]["initialized_now"]:
        for key in anvil_private_keys():
            send_tx(w3, ADMIN_PRIVATE_KEY, push.functions.mint(address_of(key), MINT_PER_ACCOUNT))
        report["PushToken"]["minted_each"] = str(MINT_PER_ACCOUNT)
    init = core_c.functions.initialize(token_address(), admin, comm_address(CORE_CHAIN_ID))
    report["PushCore"]["initialized_now"] = _init_once(w3, core_c, init)
    f = comm_c.functions
    report["PushComm"]["wired_core"] = _ensure_setting(
        w3, f.EPNSCoreAddress(), f.setEPNSCoreAddress(core_address()), core_address()
    )
    report["PushComm"]["wired_token"] = _ensure_setting(
        w3, f.PUSH_TOKEN_ADDRESS(), f.setPushTokenAddress(token_address()), token_address()
    )


def deploy_chain(w3: Web3, chain_id: int) -> dict[str, Any]:
    cfg = CHAINS[chain_id]
    placements = {
        "PushComm": cfg.comm,
        "PushCore": cfg.core,
        "PushToken": cfg.push_token,
        "NodeRegistry": cfg.node_registry,
    }
    report: dict[str, Any] = {}
    for name, address in placements.items():
        if address is not None:
            report[name] = {
                "address": Web3.to_checksum_address(address),
                "code": _place(w3, name, address),
            }
    comm_c = comm(w3, chain_id)
    init = comm_c.functions.initialize(address_of(ADMIN_PRIVATE_KEY), cfg.chain_name)
    report["PushComm"]["initialized_now"] = _init_once(w3, comm_c, init)
    if cfg.core is not None:
        _deploy_core_side(w3, report)
    if cfg.node_registry is not None:
        registry = node_registry(w3)
        init = registry.functions.initialize(address_of(ADMIN_PRIVATE_KEY))
        report["NodeRegistry"]["initialized_now"] = _init_once(w3, registry, init)
    return {"chain_id": chain_id, "chain_name": cfg.chain_name, "contracts": report}


def deploy_all(rpc_urls: Mapping[int, str] | None = None) -> dict[str, Any]:
    """Deploy to every chain in ``rpc_urls`` (default: anvil on 8545 / 8546); idempotent."""
    urls = dict(DEFAULT_RPC_URLS if rpc_urls is None else rpc_urls)
    unknown = set(urls) - set(CHAINS)
    if unknown:
        raise ValueError(f"no contract addresses configured for chain ids {sorted(unknown)}")
    chains = {}
    for chain_id, url in sorted(urls.items()):
        w3 = connect(url, expected_chain_id=chain_id)
        chains[str(chain_id)] = {"rpc": url, **deploy_chain(w3, chain_id)}
    return {"admin": address_of(ADMIN_PRIVATE_KEY), "chains": chains}


# --------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------


def _parse_rpc(value: str) -> tuple[int, str]:
    chain, sep, url = value.partition("=")
    if not sep or not chain.isdigit() or not url:
        raise argparse.ArgumentTypeError(f"expected CHAIN_ID=URL, got {value!r}")
    return int(chain), url


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--rpc",
        action="append",
        type=_parse_rpc,
        metavar="CHAIN_ID=URL",
        help="chain to deploy to (repeatable); default: "
        + " ".join(f"{c}={u}" for c, u in DEFAULT_RPC_URLS.items()),
    )
    args = parser.parse_args(argv)
    rpc_urls = dict(args.rpc) if args.rpc else None
    print(json.dumps(deploy_all(rpc_urls), indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
