"""Which EVM chains the node follows, with their Push contracts; configuration, not code."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pushnode_shared.protocol.chain_presets import PRESETS

# Payload `source` strings per chain id, as the SDK's CHAIN_ID_TO_SOURCE names them.
SOURCES: dict[int, str] = {
    1: "ETH_MAINNET",
    11155111: "ETH_TEST_SEPOLIA",
    137: "POLYGON_MAINNET",
    80002: "POLYGON_TEST_AMOY",
    56: "BSC_MAINNET",
    97: "BSC_TESTNET",
    10: "OPTIMISM_MAINNET",
    11155420: "OPTIMISM_TESTNET",
    42161: "ARBITRUMONE_MAINNET",
    421614: "ARBITRUM_TESTNET",
    8453: "BASE_MAINNET",
    84532: "BASE_TESTNET",
    59144: "LINEA_MAINNET",
    59141: "LINEA_TESTNET",
}


class ChainConfig(BaseModel):
    """One chain: RPC endpoint, Core (Ethereum-side chains only), Comm and NodeRegistry addresses.

    `{"preset": "ethereum", "rpc_url": "…"}` takes the chain id, contracts, start block and
    confirmations from chain_presets.PRESETS; keys given beside it override the preset's.
    An unknown key (`startBlock`) is refused, naming it, rather than silently defaulted.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    chain_id: int
    rpc_url: str
    comm: str
    core: str | None = None
    # The network's NodeRegistry (the home chain only): its logs are who may join as a peer.
    node_registry: str | None = None
    start_block: int = Field(0, ge=0)
    # 0 only in the dev stack (SharedSettings refuses it elsewhere): anvil mines on demand.
    confirmations: int = Field(0, ge=0)
    poll_seconds: float = Field(1.0, gt=0)

    @model_validator(mode="before")
    @classmethod
    def _from_preset(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "preset" not in data:
            return data
        name = data["preset"]
        if name not in PRESETS:
            raise ValueError(f"unknown chain preset {name!r}; presets: {', '.join(PRESETS)}")
        given = {k: v for k, v in data.items() if k != "preset"}
        return {**PRESETS[name], **given}

    @property
    def source(self) -> str:
        """The payload `source` string for notifications from this chain."""
        return SOURCES.get(self.chain_id, f"EIP155_{self.chain_id}")


# The official SDK's `env: 'local'` addresses on the two dev chains `make up` starts.
LOCAL_CHAINS: tuple[ChainConfig, ...] = (
    ChainConfig(
        chain_id=11155111,
        rpc_url="http://127.0.0.1:8545",
        core="0x5ab1520e2bd519bdab2e1347eee81c00a77f4946",
        comm="0x9dDCD7ed7151afab43044E4D694FA064742C428c",
        node_registry="0x4e6f646552656769737472790000000000000000",
    ),
    ChainConfig(
        chain_id=80002,
        rpc_url="http://127.0.0.1:8546",
        comm="0x9cb3bd7550b5c92baa056fc0f08132f49508145f",
    ),
)


def by_id(chains: tuple[ChainConfig, ...] | list[ChainConfig], chain_id: int) -> ChainConfig | None:
    """The configured chain with that id, if the node follows it."""
    return next((c for c in chains if c.chain_id == chain_id), None)
