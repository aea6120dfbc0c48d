"""What a push provider said about one send, in one shape for FCM, APNs and Web Push."""

from __future__ import annotations

import datetime as dt
import email.utils
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["HttpAnswer", "Outcome", "SendOutcome", "json_object", "parse_retry_after"]


class Outcome(enum.StrEnum):
    """What the caller should do next with this message and its token."""

    DELIVERED = "delivered"
    DROP_TOKEN = "drop_token"
    BAD_REQUEST = "bad_request"
    RETRY = "retry"
    CREDENTIALS = "credentials"


@dataclass(frozen=True, slots=True)
class SendOutcome:
    kind: Outcome
    detail: str = ""
    # The provider's id for the accepted message: FCM's message name, APNs's apns-id,
    # the Web Push service's Location.
    message_name: str | None = None
    # Seconds the provider asked us to wait (Retry-After), only ever set on RETRY.
    retry_after: float | None = None
    http_status: int | None = None
    # The provider's own error code: FCM's errorCode (or canonical status), APNs's reason.
    error_code: str | None = None


class HttpAnswer(Protocol):
    """What the classifiers read of a response: httpx's Response, or a read aiohttp answer."""

    @property
    def status_code(self) -> int: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def text(self) -> str: ...
    def json(self) -> Any: ...


def json_object(response: HttpAnswer) -> dict[str, Any]:
    """The response body if it is a JSON object, else an empty dict."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header, which may be a number or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())
