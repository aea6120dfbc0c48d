"""Listener settings (env prefix LISTENER_)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from pushnode_shared.settings import SharedSettings


class Settings(SharedSettings):
    """Which chains come from the shared PUSHNODE_CHAINS; here only batch sizes."""

    model_config = SettingsConfigDict(env_prefix="LISTENER_", extra="ignore", frozen=True)

    service_name: str = "listener"
    http_port: int = 4011
    max_block_range: int = 2000
