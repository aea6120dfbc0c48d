"""Secrets out of logs and errors: URLs cut to scheme and host.

RPC providers put the API key in the URL (a path segment, a query parameter or user:password
before the host), and libraries repeat the URL in their exceptions. So every URL a log line or
an error carries is cut to scheme://host[:port]: enough to tell which provider failed, never
its credential.
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from typing import Any
from urllib.parse import urlsplit

# scheme://[userinfo@]host[:port][/path][?query][#fragment], up to whitespace or a quote.
_URL = re.compile(r"\b([a-zA-Z][a-zA-Z0-9+.-]*)://[^\s'\"<>(){},]+")


def redact_url(url: str) -> str:
    """scheme://host[:port] of a URL; userinfo, path, query and fragment are dropped."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<url>"
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{host}{port}" if parts.scheme else "<url>"


def redact_urls(text: str) -> str:
    """Every URL inside a text cut to scheme://host[:port]."""
    return _URL.sub(lambda m: redact_url(m.group(0)), text)


def _redact(value: Any) -> Any:
    if isinstance(value, str):
        return redact_urls(value) if "://" in value else value
    if isinstance(value, dict):
        return {k: _redact(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact(v) for v in value]
    return value


def redact_event(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: every string of a log line (exception text included) redacted."""
    for key, value in event_dict.items():
        event_dict[key] = _redact(value)
    return event_dict
