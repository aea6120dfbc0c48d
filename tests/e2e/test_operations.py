"""Every service answers health, readiness and Prometheus metrics, and stops on SIGTERM."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.conftest import RunningNode

SERVICES = ["listener", "validator", "storage", "dispatcher", "gateway"]


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_reports_health_readiness_and_metrics(node: RunningNode, service: str) -> None:
    base = node.service_url(service)
    assert httpx.get(base + "/healthz", timeout=5).json() == {"status": "ok"}
    ready = httpx.get(base + "/readyz", timeout=5)
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"]["database"].startswith("ok")
    assert httpx.get(base + "/metrics", timeout=5).status_code == 404  # internal port only
    metrics = httpx.get(node.metrics_url(service) + "/metrics", timeout=5).text
    assert "# TYPE pushnode_events_consumed_total counter" in metrics
    assert "pushnode_consumer_lag" in metrics


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_stops_cleanly_on_sigterm(node: RunningNode, service: str) -> None:
    try:
        stopped = node.script("stop", service)
    finally:
        node.script("start", service)
    assert f"{service} stopped" in stopped.stderr
    assert "ignored SIGTERM" not in stopped.stderr
    log = (node.var / "log" / f"{service}.log").read_text()
    assert '"service stopped"' in log
