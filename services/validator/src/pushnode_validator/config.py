"""Validator settings (env prefix VALIDATOR_)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from pushnode_shared.settings import SharedSettings


class Settings(SharedSettings):
    """The validator needs only the shared settings and its own HTTP port."""

    model_config = SettingsConfigDict(env_prefix="VALIDATOR_", extra="ignore", frozen=True)

    service_name: str = "validator"
    http_port: int = 4012
