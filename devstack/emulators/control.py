"""The /_emulator control routes every push emulator shares: healthz, accepted messages, stats,
reset."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def messages(request: Request) -> Response:
    """The messages the emulator accepted, in order; DELETE forgets them."""
    accepted: list[dict[str, Any]] = request.app.state.emulator.messages
    if request.method == "DELETE":
        accepted.clear()
    return JSONResponse(accepted)


async def reset(request: Request) -> Response:
    """Forget queued faults and let held sends go (the e2e tier resets after every test, so
    one test's fault or hold never answers the next test's pushes); messages are kept."""
    request.app.state.emulator.reset()
    return JSONResponse({"reset": True})


def control_routes(stats: Callable[[Request], Awaitable[Response]]) -> list[Route]:
    """healthz, messages, reset and the emulator's own stats under /_emulator."""
    return [
        Route("/_emulator/healthz", healthz, methods=["GET"]),
        Route("/_emulator/messages", messages, methods=["GET", "DELETE"]),
        Route("/_emulator/stats", stats, methods=["GET"]),
        Route("/_emulator/reset", reset, methods=["POST"]),
    ]
