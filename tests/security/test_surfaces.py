"""What the public port shows: no metrics, strict headers, its own Swagger UI, safe CORS."""

from __future__ import annotations

import httpx

from pushnode_shared.infra import runtime
from tests.security.conftest import Gateway


async def test_metrics_are_not_on_the_public_port_but_on_the_internal_app(
    gateway: Gateway,
) -> None:
    async with gateway() as http:
        public = await http.get("/metrics")
        health = await http.get("/healthz")
    transport = httpx.ASGITransport(app=runtime.metrics_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://internal") as internal:
        metrics = await internal.get("/metrics")
    assert public.status_code == 404 and health.status_code == 200
    assert metrics.status_code == 200 and "pushnode_" in metrics.text


async def test_the_console_is_served_with_a_strict_content_security_policy(
    gateway: Gateway,
) -> None:
    async with gateway() as http:
        page = await http.get("/")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["referrer-policy"] == "no-referrer"


async def test_the_docs_page_loads_swagger_ui_from_the_node_not_a_cdn(gateway: Gateway) -> None:
    async with gateway() as http:
        page = await http.get("/docs")
        script = await http.get("/docs/assets/swagger-ui-bundle.js")
        init = await http.get("/docs/init.js")
    assert page.status_code == 200 and "swagger" in page.text.lower()
    assert "https://" not in page.text and "<script>" not in page.text
    assert script.status_code == 200 and "SwaggerUIBundle" in script.text
    assert "/openapi.json" in init.text


async def test_socketio_does_not_allow_a_foreign_origin_with_credentials(
    gateway: Gateway,
) -> None:
    async with gateway() as http:
        answer = await http.get(
            "/socket.io/?EIO=4&transport=polling&address=eip155:1:0x" + "1" * 40,
            headers={"Origin": "https://evil.example"},
        )
    assert answer.headers.get("access-control-allow-credentials") != "true"
