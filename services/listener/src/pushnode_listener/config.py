"""Listener settings (env prefix LISTENER_)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from pushnode_shared.infra.settings import SharedSettings

# Blocks after which a chain does not reorg any more (Ponder's finality block counts, in
# ../shared/reference/peers.md §6): Ethereum 65, Polygon 200, Arbitrum 240, others 30.
DEFAULT_FINALITY: dict[int, int] = {
    1: 65,
    11155111: 65,
    137: 200,
    80002: 200,
    42161: 240,
    421614: 240,
}
FALLBACK_FINALITY = 30


class Settings(SharedSettings):
    """Which chains come from the shared PUSHNODE_CHAINS; here range sizes and finality."""

    model_config = SettingsConfigDict(env_prefix="LISTENER_", extra="forbid", frozen=True)

    service_name: str = "listener"
    http_port: int = 4011
    max_block_range: int = 2000
    # eth_getLogs ranges shrink when one returns more logs than this, and grow when far fewer.
    target_logs_per_range: int = 1000
    # Per chain id, overriding DEFAULT_FINALITY: a reorg deeper than this halts the chain.
    finality: dict[int, int] = {}
    # Per chain id: most JSON-RPC requests per second to that chain's RPC (unset: no limit).
    rate_limit: dict[int, float] = {}
    # Attempts per JSON-RPC call before the fault reaches the poller (backoff in between).
    rpc_attempts: int = 8
    # Follow new heads over a websocket (eth_subscribe newHeads); HTTP polling is the fallback.
    websocket: bool = True
    # Per chain id, the websocket URL; unset: the RPC URL with ws:// or wss://.
    ws_urls: dict[int, str] = {}

    @model_validator(mode="after")
    def _refuse_unconfirmed_chains(self) -> Settings:
        # anvil mines on demand, so the dev stack follows its chains at depth 0; anywhere
        # else depth 0 turns every reorg into retractions of notifications already pushed.
        if "chains" in self.model_fields_set and not self.dev:
            for chain in self.chains:
                if chain.confirmations == 0:
                    raise ValueError(
                        f"PUSHNODE_CHAINS: chain {chain.chain_id} has confirmations 0, allowed "
                        "only in the dev stack (PUSHNODE_DEV=1); use a preset or set it"
                    )
        return self

    # The node network: peers (JSON list of {url, address}), this node's key file (created on
    # first start; default <data dir>/node.key), and seconds between pull rounds. With no
    # peers and PUSHNODE_NETWORK unset the node records nothing (a single node).
    peers_json: str = Field("", validation_alias="PUSHNODE_PEERS")
    network: bool = Field(False, validation_alias="PUSHNODE_NETWORK")
    node_key_file: Path | None = Field(None, validation_alias="PUSHNODE_NODE_KEY_FILE")
    sync_interval: float = 1.0

    def key_path(self) -> Path:
        """Where this node's key lives."""
        return self.node_key_file or self.data_dir / "node.key"

    def finality_of(self, chain_id: int) -> int:
        """The reorg depth this chain is trusted to stay within."""
        return self.finality.get(chain_id, DEFAULT_FINALITY.get(chain_id, FALLBACK_FINALITY))
