"""Settings shared by every service, read from the environment once at start."""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import Field, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from pushnode_shared.protocol.chains import LOCAL_CHAINS, ChainConfig
from pushnode_shared.protocol.topics import KEYED_PARTITIONS

METRICS_PORT_OFFSET = 5400


class SharedSettings(BaseSettings):
    """Common knobs. Services subclass with env_prefix "<NAME>_"; shared names are unprefixed."""

    model_config = SettingsConfigDict(extra="forbid", frozen=True)

    service_name: str = "pushnode"
    kafka_bootstrap: str = Field("127.0.0.1:9092", validation_alias="KAFKA_BOOTSTRAP")
    # <PREFIX>DATABASE_URL (GATEWAY_DATABASE_URL, ...) wins over it: one role per service.
    database_url: str | None = Field(None, validation_alias="DATABASE_URL")
    data_dir: Path = Field(Path("var/data"), validation_alias="PUSHNODE_DATA_DIR")
    log_level: str = Field("INFO", validation_alias="LOG_LEVEL")
    log_json: bool = Field(True, validation_alias="LOG_JSON")
    http_host: str = "127.0.0.1"
    http_port: int = 0
    # A worker's consumer that is behind and has committed nothing for this long is stuck:
    # the worker reports not-ready. Lag alone never does (it goes to metrics and alerts).
    ready_stuck_seconds: float = Field(300.0, gt=0, validation_alias="READY_STUCK_SECONDS")
    # /metrics only, on its own port (runtime.metrics_app): unset, http_port + 5400 (gateway
    # 9400, listener 9411, ..., dispatcher 9414); 0 turns it off.
    metrics_port: int | None = None
    # JSON list of ChainConfig in PUSHNODE_CHAINS; defaults to the two local dev chains.
    chains: tuple[ChainConfig, ...] = Field(LOCAL_CHAINS, validation_alias="PUSHNODE_CHAINS")
    # Partitions of each keyed topic this node creates (existing topics keep theirs).
    topic_partitions: int = Field(
        KEYED_PARTITIONS, ge=1, validation_alias="PUSHNODE_TOPIC_PARTITIONS"
    )
    # This process's name in its consumer groups (Kafka static membership): a restart under
    # the same name takes its partitions back without a rebalance. Unset: <service>@<host>:
    # <http port> (the pod name on Kubernetes); "" turns static membership off.
    instance_id: str | None = Field(None, validation_alias="PUSHNODE_INSTANCE_ID")
    # Set by the dev stack only (its node script, docker-compose.yml): the listener then
    # accepts chains at confirmations 0.
    dev: bool = Field(False, validation_alias="PUSHNODE_DEV")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        own = _OwnDatabaseUrl(settings_cls)
        return init_settings, own, env_settings, dotenv_settings, file_secret_settings

    @model_validator(mode="after")
    def _refuse_unknown_env(self) -> SharedSettings:
        # pydantic-settings ignores environment variables it has no field for, whatever
        # `extra` says; a typo in a prefixed name would silently keep the default.
        if unknown := unknown_env(type(self), os.environ):
            prefix = self.model_config.get("env_prefix", "").upper()
            known = sorted(n for n in env_names(type(self)) if n.startswith(prefix))
            raise ValueError(
                f"unknown setting {', '.join(unknown)}: the {prefix}* settings are "
                + ", ".join(known)
            )
        return self

    @property
    def internal_metrics_port(self) -> int:
        """The port /metrics is served on (0: none)."""
        if self.metrics_port is not None:
            return self.metrics_port
        return self.http_port + METRICS_PORT_OFFSET if self.http_port else 0

    def consumer_instance_id(self) -> str | None:
        """Kafka group.instance.id of this process's consumers; None: dynamic membership.

        Unique among the processes of one service: the host (pod) name and the HTTP port,
        which two processes on one host cannot share (a second replica on one machine).
        Without a fixed port there is nothing stable to name the process by.
        """
        if self.instance_id is not None:
            return self.instance_id or None
        if not self.http_port:
            return None
        return f"{self.service_name}@{socket.gethostname()}:{self.http_port}"

    @model_validator(mode="after")
    def _refuse_non_loopback_sqlite(self) -> SharedSettings:
        # SQLite is the embedded first-run default; production must name a real database.
        if (
            self.database_url
            and self.database_url.startswith("sqlite")
            and "memory" in (self.database_url)
        ):
            raise ValueError("an in-memory database would lose the projection on restart")
        return self

    def db_url(self) -> str:
        """<PREFIX>DATABASE_URL or DATABASE_URL, else a per-service SQLite file (a first run)."""
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite+aiosqlite:///{self.data_dir / (self.service_name + '.sqlite')}"


# Kubernetes puts <SERVICE>_PORT, <SERVICE>_PORT_4000_TCP…, <SERVICE>_SERVICE_HOST and
# <SERVICE>_SERVICE_PORT… into every pod for each Service (enableServiceLinks): not settings.
# A Service named <service>-<suffix> gives <SERVICE>_<SUFFIX>_SERVICE_HOST and so on.
_SERVICE_LINK = re.compile(
    r"(\w+_)?(SERVICE_HOST|SERVICE_PORT(_\w+)?|PORT(_\d+_(TCP|UDP|SCTP)\w*)?)"
)


class _OwnDatabaseUrl(PydanticBaseSettingsSource):
    """<PREFIX>DATABASE_URL: this service's own database URL, read before DATABASE_URL.

    A deployment with a PostgreSQL role per service gives each service its own URL (the Helm
    chart's rolePerService, the dev stack); one DATABASE_URL for all keeps working.
    """

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        name = own_database_env(self.settings_cls)
        value = os.environ.get(name) if name else None
        return {"DATABASE_URL": value} if value else {}


def own_database_env(settings: type[BaseSettings]) -> str | None:
    """The per-service database URL variable of a settings class (None without a prefix)."""
    prefix = settings.model_config.get("env_prefix", "").upper()
    return f"{prefix}DATABASE_URL" if prefix else None


def env_names(settings: type[BaseSettings]) -> set[str]:
    """The environment variable each field of a settings class is read from (upper case)."""
    prefix = settings.model_config.get("env_prefix", "")
    names = {own} if (own := own_database_env(settings)) else set()
    for name, field in settings.model_fields.items():
        alias = field.validation_alias
        names.add(alias.upper() if isinstance(alias, str) else f"{prefix}{name}".upper())
    return names


def unknown_env(settings: type[BaseSettings], environ: Mapping[str, str]) -> list[str]:
    """Variables with the class's prefix that name no field (service links excepted)."""
    prefix = settings.model_config.get("env_prefix", "").upper()
    if not prefix:
        return []
    known = env_names(settings)
    return sorted(
        key
        for key in (k.upper() for k in environ)
        if key.startswith(prefix)
        and key not in known
        and not _SERVICE_LINK.fullmatch(key.removeprefix(prefix))
    )
