"""Storage settings (env prefix STORAGE_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from pushnode_shared.infra.settings import SharedSettings


class Settings(SharedSettings):
    """Where kubo's RPC API answers."""

    model_config = SettingsConfigDict(env_prefix="STORAGE_", extra="forbid", frozen=True)

    service_name: str = "storage"
    http_port: int = 4013
    ipfs_api: str = Field("http://127.0.0.1:5001", validation_alias="IPFS_API")
    # Anonymous uploads no channel references within this long are unpinned (sweep.py).
    upload_grace_seconds: float = Field(86_400, gt=0)
    upload_sweep_seconds: float = Field(600, gt=0)
