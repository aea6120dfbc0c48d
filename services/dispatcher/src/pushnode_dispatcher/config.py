"""Dispatcher settings (env prefix DISPATCHER_). Provider credentials come from files/secrets."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import SettingsConfigDict

from pushnode_shared.settings import SharedSettings


class Settings(SharedSettings):
    """FCM credentials and endpoint; without a service account FCM sending is off."""

    model_config = SettingsConfigDict(env_prefix="DISPATCHER_", extra="ignore", frozen=True)

    service_name: str = "dispatcher"
    http_port: int = 4014
    fcm_service_account: Path | None = None
    fcm_base_url: str = "https://fcm.googleapis.com"
