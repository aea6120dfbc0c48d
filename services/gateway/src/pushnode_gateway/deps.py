"""Route dependencies as Annotated aliases, read from app.state set up by create_app."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from pushnode_gateway.config import Settings
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.kafka import Producer


def _producer(request: Request) -> Producer:
    return request.app.state.producer  # type: ignore[no-any-return]


def _db(request: Request) -> Database:
    return request.app.state.db  # type: ignore[no-any-return]


def _settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


ProducerDep = Annotated[Producer, Depends(_producer)]
DatabaseDep = Annotated[Database, Depends(_db)]
SettingsDep = Annotated[Settings, Depends(_settings)]
