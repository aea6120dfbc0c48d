"""The published /openapi.json: every operation documents the error body it really sends.

FastAPI documents a 422 with its own validation body, but the gateway answers bad input with a
400 carrying {"error": {"reason", "message"}} (see errors.py). Rather than each route listing
its errors, the schema is amended once for every operation, including routes added later: a
400 for request-shape errors and a 4XX range for the rest (unknown resources, bad signatures).
Clients and the schemathesis fuzz test (tests/e2e/test_fuzz_api.py) can then hold the gateway
to what it publishes.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel


class ErrorDetail(BaseModel):
    """What went wrong: a machine-readable reason and a message for people."""

    reason: str
    message: str


class FieldProblem(BaseModel):
    """One invalid part of a request: where it is (body.sender, query.limit) and why."""

    field: str
    problem: str


class ErrorPublic(BaseModel):
    """Every 4xx answer of the gateway."""

    error: ErrorDetail
    fields: list[FieldProblem] | None = None


HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
ANY_OBJECT: dict[str, Any] = {"type": "object"}


def _error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorPublic"}}},
    }


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Replace FastAPI's 422 by the gateway's 400, a 4XX range and a 503 on every operation."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    error_schema = ErrorPublic.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(error_schema.pop("$defs", {}))
    components["ErrorPublic"] = error_schema
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    for path_item in schema.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in HTTP_METHODS:
                continue
            if method in {"post", "put"} and "requestBody" not in operation:
                # Chat and user routes read their JSON by hand (the signed hashes need the
                # client's key order): say they take an object, so fuzzers send them bodies.
                operation["requestBody"] = {"content": {"application/json": {"schema": ANY_OBJECT}}}
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            responses.setdefault("400", _error_response("The request is malformed"))
            responses.setdefault("4XX", _error_response("The request cannot be served"))
            responses.setdefault("503", _error_response("The event log is unreachable; retry"))
    return schema


def install_openapi(app: FastAPI) -> None:
    """Serve the amended schema, built once on first request as FastAPI does."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_errors(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    description=app.description,
                    routes=app.routes,
                )
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
