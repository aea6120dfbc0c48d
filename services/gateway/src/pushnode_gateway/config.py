"""Gateway settings (env prefix GATEWAY_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from pushnode_shared.settings import SharedSettings


class Settings(SharedSettings):
    """HTTP/socket.io on :4000 (the SDK's env 'local'), and signature freshness."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore", frozen=True)

    service_name: str = "gateway"
    http_port: int = 4000
    # A signed device registration older (or newer) than this is refused as a replay.
    signature_max_age_seconds: int = 600
    cors_origins: tuple[str, ...] = ("*",)
    # kubo's RPC API, read-only here: GET /apis/v1/ipfs/{cid} serves blocks storage put.
    ipfs_api: str = Field("http://127.0.0.1:5001", validation_alias="IPFS_API")
