"""ASGI middleware: a latency histogram per route template, for every service's HTTP."""

from __future__ import annotations

import time
from typing import Any

from starlette.types import Message, Receive, Scope, Send

from pushnode_shared.infra.asgi import HttpMiddleware
from pushnode_shared.infra.metrics import HTTP_SECONDS

# Raw paths would carry addresses and CIDs: one time series per wallet. Only route
# templates become labels; a request that matched no route counts as "unmatched".
UNMATCHED = "unmatched"


class HttpMetrics(HttpMiddleware):
    """Observes each HTTP request's duration under (method, route template, status)."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        status = {"code": 500}  # an exception before the response starts is a 500

        async def record_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            HTTP_SECONDS.labels(scope["method"], route_of(scope), str(status["code"])).observe(
                time.perf_counter() - started
            )


def route_of(scope: dict[str, Any] | Scope) -> str:
    """The matched route's template; FastAPI puts the route in the scope, plain Starlette
    only the endpoint, whose raw path is safe as a label when it has no path parameters."""
    route = scope.get("route")
    template = getattr(route, "path_format", None)
    regex = getattr(route, "path_regex", None)
    if template is not None and regex is not None:
        # FastAPI (0.16x) puts the route as declared, without its include_router prefix;
        # the prefix is whatever static text precedes the part the route's regex matches.
        path = str(scope["path"])
        for cut in range(len(path) + 1):
            if regex.fullmatch(path[cut:]):
                return path[:cut] + str(template)
        return str(template)
    if scope.get("endpoint") is not None and not scope.get("path_params"):
        return str(scope["path"])
    return UNMATCHED
