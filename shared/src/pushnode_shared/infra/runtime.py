"""Service runtime: health/readiness/metrics HTTP, SIGTERM handling, task supervision."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable, Coroutine, Generator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import version
from typing import Any

import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pushnode_shared.infra.http_metrics import HttpMetrics
from pushnode_shared.infra.logging import get_logger

log = get_logger(__name__)
# The node's release: every service ships from the one repository, at the shared library's version.
NODE_VERSION = version("pushnode-shared")

Check = Callable[[], Awaitable[tuple[bool, str]]]


@dataclass
class Readiness:
    """Named readiness checks; ready only when every one passes."""

    checks: dict[str, Check] = field(default_factory=dict)

    async def report(self) -> tuple[bool, dict[str, str]]:
        """Run every check with a short timeout; a timeout or error counts as not ready."""
        results: dict[str, str] = {}
        ok = True
        for name, check in self.checks.items():
            try:
                passed, detail = await asyncio.wait_for(check(), timeout=3)
            except Exception as exc:
                passed, detail = False, repr(exc)
            ok = ok and passed
            results[name] = ("ok: " if passed else "failing: ") + detail
        return ok, results


async def readyz_body(readiness: Readiness) -> dict[str, Any]:
    """What /readyz answers: ready, each check's result, and the node's version."""
    ok, results = await readiness.report()
    return {"ready": ok, "checks": results, "version": NODE_VERSION}


def health_routes(readiness: Readiness) -> list[Route]:
    """/healthz (process up) and /readyz (dependencies and consumers), for probes.

    /metrics is not among them: it is served on the internal metrics port (metrics_app).
    """

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        body = await readyz_body(readiness)
        return JSONResponse(body, status_code=200 if body["ready"] else 503)

    return [Route("/healthz", healthz), Route("/readyz", readyz)]


def metrics_app() -> Starlette:
    """/metrics (Prometheus) alone, for the internal metrics port.

    Apart from the public port so that a Service or ingress exposing the API never exposes
    the node's figures (consumer lags, per-route traffic, socket counts) with it.
    """

    async def metrics(_: Request) -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return Starlette(routes=[Route("/metrics", metrics)])


def install_stop_signals(stop: asyncio.Event) -> None:
    """SIGTERM and SIGINT set the stop event, so tasks finish their batch and exit cleanly."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)


async def serve_http(
    app: object,
    host: str,
    port: int,
    stop: asyncio.Event,
    options: Mapping[str, Any] | None = None,
) -> None:
    """Run an ASGI app under uvicorn until stop is set; options are further uvicorn.Config ones."""
    config = uvicorn.Config(
        app,  # type: ignore[arg-type]
        host=host,
        port=port,
        log_config=None,
        lifespan="on",
        **(options or {}),
    )
    server = _QuietServer(config)
    task = asyncio.create_task(server.serve())
    await stop.wait()
    server.should_exit = True
    await task


class _QuietServer(uvicorn.Server):
    """uvicorn without its own signal capture: the service's stop event owns SIGTERM."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None]:
        yield


async def run_until_stopped(
    stop: asyncio.Event, tasks: Sequence[Callable[[asyncio.Event], Coroutine[Any, Any, None]]]
) -> None:
    """Run tasks until stop; if one dies, stop the rest and re-raise (the pod restarts)."""
    running: list[asyncio.Task[None]] = [asyncio.ensure_future(t(stop)) for t in tasks]
    try:
        done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            if task.exception() is not None:
                log.error("task failed, stopping service", error=repr(task.exception()))
                stop.set()
                raise task.exception()  # type: ignore[misc]
    finally:
        stop.set()
        await asyncio.gather(*running, return_exceptions=True)


def health_app(readiness: Readiness) -> Starlette:
    """A bare health app for services without an API of their own."""
    app = Starlette(routes=health_routes(readiness))
    app.add_middleware(HttpMetrics)
    return app
