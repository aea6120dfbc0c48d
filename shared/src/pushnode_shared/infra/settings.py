"""Settings shared by every service, read from the environment once at start."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from pushnode_shared.protocol.chains import LOCAL_CHAINS, ChainConfig

METRICS_PORT_OFFSET = 5400


class SharedSettings(BaseSettings):
    """Common knobs. Services subclass with env_prefix "<NAME>_"; shared names are unprefixed."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    service_name: str = "pushnode"
    kafka_bootstrap: str = Field("127.0.0.1:9092", validation_alias="KAFKA_BOOTSTRAP")
    database_url: str | None = Field(None, validation_alias="DATABASE_URL")
    data_dir: Path = Field(Path("var/data"), validation_alias="PUSHNODE_DATA_DIR")
    log_level: str = Field("INFO", validation_alias="LOG_LEVEL")
    log_json: bool = Field(True, validation_alias="LOG_JSON")
    http_host: str = "127.0.0.1"
    http_port: int = 0
    # /metrics only, on its own port (runtime.metrics_app): unset, http_port + 5400 (gateway
    # 9400, listener 9411, ..., dispatcher 9414); 0 turns it off.
    metrics_port: int | None = None
    # A consumer more than this many records behind reports not-ready.
    ready_max_lag: int = Field(100, validation_alias="READY_MAX_LAG")
    # JSON list of ChainConfig in PUSHNODE_CHAINS; defaults to the two local dev chains.
    chains: tuple[ChainConfig, ...] = Field(LOCAL_CHAINS, validation_alias="PUSHNODE_CHAINS")

    @property
    def internal_metrics_port(self) -> int:
        """The port /metrics is served on (0: none)."""
        if self.metrics_port is not None:
            return self.metrics_port
        return self.http_port + METRICS_PORT_OFFSET if self.http_port else 0

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
        """DATABASE_URL, or a per-service SQLite file under the data dir for a first run."""
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite+aiosqlite:///{self.data_dir / (self.service_name + '.sqlite')}"
