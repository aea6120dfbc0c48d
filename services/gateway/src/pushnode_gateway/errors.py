"""API errors: every 4xx carries a machine-readable reason and a human message."""

from __future__ import annotations

import re
from typing import Any

from aiokafka.errors import KafkaError, MessageSizeTooLargeError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from pushnode_shared.infra.logging import get_logger

log = get_logger(__name__)
# Routing errors Starlette raises itself (routes raise ApiError): no such path, wrong method.
HTTP_REASONS = {404: "NO_ROUTE", 405: "METHOD_NOT_ALLOWED"}


HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def documented_methods(schema: dict[str, Any], path: str) -> list[str]:
    """The methods the OpenAPI document lists for a path (its own template first)."""
    paths: dict[str, dict[str, Any]] = schema.get("paths", {})
    exact = [paths[path]] if path in paths else []
    matching = exact or [
        ops
        for template, ops in paths.items()
        if re.fullmatch(re.sub(r"\{[^/}]+\}", "[^/]+", template), path)
    ]
    return sorted({m.upper() for ops in matching for m in ops if m in HTTP_METHODS})


def _refused_value(exc: Exception) -> bool:
    if not isinstance(exc, DBAPIError):
        return False
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return isinstance(code, str) and code.startswith("22")


async def _event_too_large(_: Request, exc: Exception) -> JSONResponse:
    # The broker refuses the record for its size: retrying the same request cannot help,
    # so it is the client's 413, not the node's retryable 503.
    message = "the request makes an event larger than the event log accepts"
    body = {"error": {"reason": "EVENT_TOO_LARGE", "message": message}}
    return JSONResponse(body, status_code=413)


class ApiError(Exception):
    """Raised by routes; rendered as {"error": {"reason", "message"}} with the status."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status, self.reason, self.message = status, reason, message


def install_error_handlers(app: FastAPI) -> None:
    """Map ApiError and request-shape errors to the one error body."""

    async def api_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        body = {"error": {"reason": exc.reason, "message": exc.message}}
        return JSONResponse(body, status_code=exc.status)

    async def bad_request(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        fields = [
            {"field": ".".join(str(p) for p in e["loc"]), "problem": e["msg"]} for e in exc.errors()
        ]
        body = {
            "error": {"reason": "INVALID_REQUEST", "message": "request body or query is invalid"},
            "fields": fields,
        }
        return JSONResponse(body, status_code=400)

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        reason = HTTP_REASONS.get(exc.status_code, f"HTTP_{exc.status_code}")
        body = {"error": {"reason": reason, "message": str(exc.detail)}}
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # Starlette names the methods of the first route that matched the path only; a
            # path served by several routes (GET and POST apart) has them all documented.
            methods = documented_methods(app.openapi(), request.url.path)
            if methods:
                headers["Allow"] = ", ".join(methods)
        return JSONResponse(body, status_code=exc.status_code, headers=headers)

    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        if _refused_value(exc):
            # SQLSTATE class 22 (data exception): a value from the request the database cannot
            # hold (a NUL character, a number out of range) — the client's input, not a fault.
            body = {"error": {"reason": "INVALID_INPUT", "message": "a value cannot be stored"}}
            return JSONResponse(body, status_code=400)
        log.exception("unhandled error", path=request.url.path, error=repr(exc))
        body = {"error": {"reason": "INTERNAL_ERROR", "message": "the node failed; see its log"}}
        return JSONResponse(body, status_code=500)

    async def log_unavailable(_: Request, exc: Exception) -> JSONResponse:
        # Nothing was acknowledged, so nothing is lost: the client retries the same request,
        # and ids derived from the proof keep a retry that did land from counting twice.
        body = {"error": {"reason": "LOG_UNAVAILABLE", "message": f"event log: {exc!r}"[:300]}}
        return JSONResponse(body, status_code=503, headers={"Retry-After": "1"})

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(MessageSizeTooLargeError, _event_too_large)
    app.add_exception_handler(KafkaError, log_unavailable)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, bad_request)
    app.add_exception_handler(Exception, internal_error)
