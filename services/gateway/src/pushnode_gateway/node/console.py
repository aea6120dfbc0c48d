"""The node's console: the page at /, its assets under /console/, and the API it reads.

Everything it shows comes from the public API and socket.io (GET /apis/v1/node/status, the
feeds, channels and deliveries reads, the userFeeds/userSpamFeeds events). GATEWAY_CONSOLE=false
mounts none of it; the test-send route exists only in dev mode (a demo key is configured).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from pushnode_gateway.config import Settings
from pushnode_gateway.node.routes import demo_send, status
from pushnode_shared.infra.runtime import Readiness

ASSETS = Path(__file__).resolve().parent.parent / "console"


def install_console(api: FastAPI, settings: Settings, readiness: Readiness) -> None:
    """Mount the console (if on) after every other route, so it shadows none of them."""
    if not settings.console:
        return
    dev_mode = settings.console_demo_key is not None
    api.state.status_source = status.StatusSource(settings, readiness, dev_mode)
    api.include_router(status.router, prefix="/apis")
    if dev_mode:
        api.include_router(demo_send.router, prefix="/apis")

    async def page() -> FileResponse:
        return FileResponse(ASSETS / "index.html", headers={"Cache-Control": "no-cache"})

    api.add_api_route("/", page, include_in_schema=False)
    api.mount("/console", StaticFiles(directory=ASSETS), name="console")
