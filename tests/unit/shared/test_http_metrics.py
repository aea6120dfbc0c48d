"""HTTP latency is observed per route template, never per raw path (no series per wallet)."""

from __future__ import annotations

import httpx
from fastapi import APIRouter, FastAPI
from prometheus_client import REGISTRY
from starlette.types import ASGIApp

from pushnode_shared.infra.http_metrics import HttpMetrics
from pushnode_shared.infra.runtime import Readiness, health_app


def observed(method: str, route: str, status: str) -> float:
    labels = {"method": method, "route": route, "status": status}
    return REGISTRY.get_sample_value("pushnode_http_request_seconds_count", labels) or 0.0


async def get(app: ASGIApp, *paths: str) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://node") as client:
        for path in paths:
            await client.get(path)


async def test_a_request_is_counted_under_its_route_template_not_its_path() -> None:
    users = APIRouter()

    @users.get("/users/{address}/feeds")
    async def feeds(address: str) -> dict[str, str]:
        return {"address": address}

    api = FastAPI()
    api.add_middleware(HttpMetrics)
    api.include_router(users, prefix="/apis/v1")
    before = observed("GET", "/apis/v1/users/{address}/feeds", "200")
    await get(api, "/apis/v1/users/0xabc/feeds", "/apis/v1/users/0xdef/feeds")
    assert observed("GET", "/apis/v1/users/{address}/feeds", "200") == before + 2
    assert observed("GET", "/apis/v1/users/0xabc/feeds", "200") == 0


async def test_health_routes_and_unknown_paths_of_a_bare_service_are_counted_apart() -> None:
    before_ready = observed("GET", "/healthz", "200")
    before_unknown = observed("GET", "unmatched", "404")
    await get(health_app(Readiness()), "/healthz", "/no/such/0xabc")
    assert observed("GET", "/healthz", "200") == before_ready + 1
    assert observed("GET", "unmatched", "404") == before_unknown + 1
