"""Chain presets for PUSHNODE_CHAINS: Push Core/Comm addresses, start blocks, confirmations.

Addresses: the SDK's `config.ts` as summarised in shared/reference/push-protocol.md §2.3
(push-protocol/push-sdk @ bdcdb99): Core on Ethereum 0x66329F…eeeeE; Comm at the vanity address
0xb3971B…AaaAa on Ethereum, Polygon, BSC, Optimism, Polygon zkEVM, Arbitrum One and Base;
Linea's Comm 0x0d8e75…7Ef890.

Confirmations are at least each chain's reorg history, after Ponder's finality block counts
(shared/reference/peers.md §Ponder, packages/core/src/utils/finality.ts): Ethereum 65 (two
epochs and one), Polygon PoS 200 (it reorged 157 blocks in February 2023), Arbitrum 240, and
30 (about a minute) for the others.

Start blocks are lower bounds, never past a deployment (a later start would miss events):
Ethereum 11,000,000 (October 2020, before EPNS's mainnet launch in January 2021). For the
other chains the deployment blocks are not in our references, so the preset starts at 0;
set `start_block` to the Comm proxy's deployment block to shorten the first backfill.
"""

from __future__ import annotations

from typing import Any

CORE_ETHEREUM = "0x66329Fdd4042928BfCAB60b179e1538D56eeeeeE"
COMM_VANITY = "0xb3971BCef2D791bc4027BbfedFb47319A4AAaaAa"
COMM_LINEA = "0x0d8e75CB5d8873c43c5d9Add71Fd71a09F7Ef890"


def _comm(chain_id: int, confirmations: int, comm: str = COMM_VANITY) -> dict[str, Any]:
    return {"chain_id": chain_id, "comm": comm, "start_block": 0, "confirmations": confirmations}


PRESETS: dict[str, dict[str, Any]] = {
    "ethereum": {
        "chain_id": 1,
        "core": CORE_ETHEREUM,
        "comm": COMM_VANITY,
        "start_block": 11_000_000,
        "confirmations": 65,
    },
    "polygon": _comm(137, 200),
    "bsc": _comm(56, 30),
    "optimism": _comm(10, 30),
    "arbitrum": _comm(42161, 240),
    "base": _comm(8453, 30),
    "polygon-zkevm": _comm(1101, 30),
    "linea": _comm(59144, 30, COMM_LINEA),
}
