"""/docs: Swagger UI served from the node itself (the swagger-ui-bundle package), no CDN.

FastAPI's default page loads its script and styles from a CDN, so a visitor's browser trusts
a third party with the page that holds the API; here every asset comes from this process
and the page runs no inline script (see headers.py for its Content-Security-Policy).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

PAGE = Path(__file__).resolve().parent / "docs_assets"


def install_docs(api: FastAPI) -> None:
    """Mount /docs, /docs/init.js and /docs/assets/* (the app is built with docs_url=None)."""

    async def page() -> FileResponse:
        return FileResponse(PAGE / "index.html", headers={"Cache-Control": "no-cache"})

    async def init() -> FileResponse:
        return FileResponse(PAGE / "init.js", media_type="text/javascript")

    api.add_api_route("/docs", page, include_in_schema=False)
    api.add_api_route("/docs/init.js", init, include_in_schema=False)
    api.mount("/docs/assets", StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")
