"""Validator settings (env prefix VALIDATOR_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from pushnode_shared.infra.settings import SharedSettings


class Settings(SharedSettings):
    """The shared settings, the HTTP port, kubo for type-1 identities, the rate limit."""

    model_config = SettingsConfigDict(env_prefix="VALIDATOR_", extra="ignore", frozen=True)

    service_name: str = "validator"
    http_port: int = 4012
    # kubo's RPC API, read offline: the payloads of `1+<cid>` identities.
    ipfs_api: str = Field("http://127.0.0.1:5001", validation_alias="IPFS_API")
    # Per-channel token bucket: `rate_burst` notifications at once, refilled at
    # `rate_per_second`, timed by the log (submitted_at). rate_burst 0 switches it off.
    rate_burst: int = Field(10_000, ge=0)
    rate_per_second: float = Field(1_000.0, ge=0)
