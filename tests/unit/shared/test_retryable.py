"""Which failures a consumer retries and which make a record poison."""

from __future__ import annotations

import httpx
import pytest
from aiokafka.errors import KafkaConnectionError
from sqlalchemy.exc import DBAPIError

from pushnode_shared.infra.consumer import TransientError, retryable


class DriverError(Exception):
    def __init__(self, sqlstate: str | None) -> None:
        super().__init__(f"sqlstate {sqlstate}")
        self.sqlstate = sqlstate


def database_error(sqlstate: str | None) -> DBAPIError:
    return DBAPIError("INSERT …", {}, DriverError(sqlstate))


@pytest.mark.parametrize(
    "exc",
    [
        TransientError("kubo away"),
        OSError("connection refused"),
        httpx.ConnectError("refused"),
        KafkaConnectionError(),
        database_error("08006"),  # connection failure
        database_error("40001"),  # serialization failure
        database_error("57P01"),  # admin shutdown
        database_error(None),  # the driver did not say: assume the dependency
    ],
)
def test_a_dependency_away_is_retried(exc: BaseException) -> None:
    assert retryable(exc)


@pytest.mark.parametrize(
    "exc",
    [
        database_error("22021"),  # a NUL character in text
        database_error("22003"),  # numeric value out of range
        database_error("23505"),  # unique violation
        database_error("42703"),  # undefined column
        ValueError("handler bug"),
        KeyError("field"),
    ],
)
def test_a_record_the_database_or_handler_refuses_is_poison(exc: BaseException) -> None:
    assert not retryable(exc)
