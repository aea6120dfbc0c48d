"""The node's push apps: which credentials (by file path, never the secrets) each app sends with.

A node may serve several apps: several FCM projects, APNs keys and VAPID keys. The default app
(registrations that name no app) comes from the single-app DISPATCHER_* settings, or from the
apps file's `default`; named apps come from the apps file (DISPATCHER_APPS_FILE), JSON:

    {"default": "main",
     "apps": {"main": {"fcm": {"service_account": "/var/run/secrets/fcm-main/sa.json"}},
              "wallet-b": {"fcm": {"service_account": "/var/run/secrets/fcm-b/sa.json"},
                           "apns": {"key_file": "...", "key_id": "...", "team_id": "...",
                                    "topic": "..."},
                           "webpush": {"vapid_key_file": "...", "subject": "mailto:..."}}}}

The file holds paths and public identifiers only, so it can be a ConfigMap; the files it
points at are mounted from Secrets.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError, model_validator

from pushnode_dispatcher.config import Settings

__all__ = ["APP_ID", "AppCredentials", "AppsFile", "configured_apps"]

# The same shape the gateway accepts in a registration's `app`.
APP_ID = r"^[A-Za-z0-9._-]{1,64}$"
AppId = Annotated[str, StringConstraints(pattern=APP_ID)]
# The key of the default app among the configured apps.
DEFAULT = ""


class _Config(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FcmCredentials(_Config):
    service_account: Path
    base_url: str | None = None  # None: DISPATCHER_FCM_BASE_URL


class ApnsCredentials(_Config):
    key_file: Path
    key_id: str
    team_id: str
    topic: str
    base_url: str | None = None  # None: DISPATCHER_APNS_BASE_URL


class WebPushCredentials(_Config):
    vapid_key_file: Path
    subject: str


class AppCredentials(_Config):
    """One app's credentials; a provider left out is off for that app."""

    fcm: FcmCredentials | None = None
    apns: ApnsCredentials | None = None
    webpush: WebPushCredentials | None = None
    # What the credentials gauge and the log call this app: the app id for named apps.
    label: str | None = None


class AppsFile(_Config):
    default: AppId | None = None
    apps: dict[AppId, AppCredentials]

    @model_validator(mode="after")
    def _default_is_an_app(self) -> AppsFile:
        if self.default is not None and self.default not in self.apps:
            raise ValueError(f"default app {self.default!r} is not among the apps")
        return self


def settings_app(settings: Settings) -> AppCredentials:
    """The single app the DISPATCHER_FCM_* / _APNS_* / _WEBPUSH_* settings describe."""
    fcm = apns = webpush = None
    if settings.fcm_service_account is not None:
        fcm = FcmCredentials(service_account=settings.fcm_service_account)
    if settings.apns_key_file is not None:
        assert settings.apns_key_id and settings.apns_team_id and settings.apns_topic
        apns = ApnsCredentials(
            key_file=settings.apns_key_file,
            key_id=settings.apns_key_id,
            team_id=settings.apns_team_id,
            topic=settings.apns_topic,
        )
    if settings.webpush_vapid_key_file is not None:
        assert settings.webpush_subject is not None
        webpush = WebPushCredentials(
            vapid_key_file=settings.webpush_vapid_key_file, subject=settings.webpush_subject
        )
    return AppCredentials(fcm=fcm, apns=apns, webpush=webpush)


def load_apps_file(path: Path) -> AppsFile:
    """The apps file, or a ValueError that names the file and the field, never a value."""
    try:
        return AppsFile.model_validate(json.loads(path.read_text()))
    except (OSError, ValueError) as exc:
        # Pydantic's message quotes the input; the file holds no secrets, but say only where.
        where = (
            "; ".join(".".join(map(str, e["loc"])) + ": " + e["msg"] for e in exc.errors())
            if isinstance(exc, ValidationError)
            else type(exc).__name__
        )
        raise ValueError(f"DISPATCHER_APPS_FILE {path} is not a valid apps file: {where}") from None


def configured_apps(settings: Settings) -> dict[str, AppCredentials]:
    """Every app by id, the default one under "" (the same credentials object as its id)."""
    own = settings_app(settings)
    if settings.apps_file is None:
        return {DEFAULT: own}
    loaded = load_apps_file(settings.apps_file)
    apps = {name: app.model_copy(update={"label": name}) for name, app in loaded.apps.items()}
    if loaded.default is None:
        return apps | {DEFAULT: own}
    if own.fcm or own.apns or own.webpush:
        raise ValueError(
            "the apps file names a default app and DISPATCHER_FCM_/APNS_/WEBPUSH_ credentials "
            "are set too: keep one of the two"
        )
    return apps | {DEFAULT: apps[loaded.default]}
