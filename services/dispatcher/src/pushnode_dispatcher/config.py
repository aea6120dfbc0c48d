"""Dispatcher settings (env prefix DISPATCHER_). Provider credentials come from files/secrets."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from pushnode_shared.infra.settings import SharedSettings
from pushnode_shared.protocol.webpush_endpoints import EndpointPolicy


class Settings(SharedSettings):
    """Provider credentials (paths to files, never the secrets themselves) and endpoints.

    A provider without credentials is off: its devices get no pushes. Credentials that are
    only half configured are refused at start rather than discovered at the first push.
    """

    model_config = SettingsConfigDict(env_prefix="DISPATCHER_", extra="forbid", frozen=True)

    service_name: str = "dispatcher"
    http_port: int = 4014
    fcm_service_account: Path | None = None
    fcm_base_url: str = "https://fcm.googleapis.com"
    apns_key_file: Path | None = None
    apns_key_id: str | None = None
    apns_team_id: str | None = None
    apns_topic: str | None = None
    apns_base_url: str = "https://api.push.apple.com"
    webpush_vapid_key_file: Path | None = None
    webpush_subject: str | None = None
    # Web Push endpoints are https on public addresses; if set, only these push-service hosts
    # (comma-separated, a leading "." admits subdomains). DEV_ORIGINS: exact origins
    # (http://127.0.0.1:4040) admitted over http on loopback, the dev stack's emulator only.
    webpush_hosts: str = ""
    webpush_dev_origins: str = ""
    # Several apps (FCM projects, APNs keys, VAPID keys): a JSON file of paths, see apps.py.
    apps_file: Path | None = None
    retry_max_attempts: int = Field(5, ge=1)
    retry_base_seconds: float = Field(2.0, gt=0)
    retry_max_seconds: float = Field(900.0, gt=0)
    # Per provider app (FCM project, APNs key, VAPID key): FCM allows 600,000 a minute per
    # project; staying under it keeps 429s for real overload.
    rate_per_minute: int = Field(480_000, gt=0)
    # Pushes in flight per notification, and FCM connections per app (HTTP/1.1: one push in
    # flight on each, so as many as the pushes in flight); a distant provider needs
    # rate x round trip of both.
    send_concurrency: int = Field(64, ge=1)
    fcm_max_connections: int = Field(64, ge=1)
    # While an app's credentials are refused, one probe push per this many seconds.
    credentials_probe_seconds: float = Field(60.0, gt=0)

    def webpush_endpoints(self) -> EndpointPolicy:
        """Which Web Push endpoints the dispatcher may POST to."""
        return EndpointPolicy.of(self.webpush_hosts.split(","), self.webpush_dev_origins.split(","))

    @model_validator(mode="after")
    def _complete_credentials(self) -> Settings:
        apns = (self.apns_key_id, self.apns_team_id, self.apns_topic)
        if self.apns_key_file is not None and not all(apns):
            raise ValueError(
                "DISPATCHER_APNS_KEY_FILE needs DISPATCHER_APNS_KEY_ID, "
                "DISPATCHER_APNS_TEAM_ID and DISPATCHER_APNS_TOPIC"
            )
        if self.webpush_vapid_key_file is not None and not self.webpush_subject:
            raise ValueError(
                "DISPATCHER_WEBPUSH_VAPID_KEY_FILE needs DISPATCHER_WEBPUSH_SUBJECT "
                "(a mailto: or https: URI)"
            )
        return self
