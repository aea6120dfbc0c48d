"""Reading a provider's HTTP answer: the shape the classifiers read, its JSON body, Retry-After."""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from collections.abc import Mapping
from typing import Any, Protocol

from pushnode_dispatcher.domain import Outcome

__all__ = ["HttpAnswer", "by_status", "json_object", "parse_retry_after", "reason_code"]

# What of a provider's error code may be shown or logged: a short token, nothing else.
REASON_CODE = re.compile(r"[A-Za-z0-9_.:-]{1,40}")


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


def reason_code(value: str | None) -> str | None:
    """A provider's error code if it looks like one (a short token), else None."""
    if value is None or not REASON_CODE.fullmatch(value):
        return None
    return value


def by_status(status: int) -> Outcome:
    """What a failed send's HTTP status says once the provider's token answers are read:
    401/403 the node's credentials, 408, 429 and 5xx a retry, anything else a bad request."""
    if status in (401, 403):
        return Outcome.CREDENTIALS
    if status in (408, 429) or status >= 500:
        return Outcome.RETRY
    return Outcome.BAD_REQUEST
