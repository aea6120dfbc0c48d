"""The console in the manifests: on in dev with a path to every /readyz, off in production."""

from __future__ import annotations

import json
import os

import pytest

from pushnode_gateway.config import Settings
from tests.contract.test_deploy_policies import in_namespace, reachable
from tests.contract.test_deploy_support import (
    SERVICES,
    compose,
    default_port,
    of_kind,
    pod_labels,
    workloads,
)

OTHERS = [name for name in SERVICES if name != "gateway"]


def gateway_settings(example: str) -> Settings:
    """The gateway's settings as its pod would read them from the ConfigMap's environment."""
    data = of_kind(example, "ConfigMap")["pushnode-config"]["data"]
    with pytest.MonkeyPatch.context() as env:
        for name in [n for n in os.environ if n.startswith("GATEWAY_")]:
            env.delenv(name)
        for name, value in data.items():
            env.setenv(name, value)
        return Settings()


def ports_the_gateway_reaches(example: str) -> set[tuple[str, int]]:
    gateway = in_namespace(example, pod_labels(workloads(example)["gateway"]))
    return {(pod, port) for pod, port in reachable(example, gateway) if pod in OTHERS}


def test_production_switches_the_console_off() -> None:
    assert gateway_settings("production").console is False
    assert gateway_settings("production").console_demo_key is None


def test_production_opens_no_path_from_the_gateway_to_the_services() -> None:
    assert ports_the_gateway_reaches("production") == set()


def test_dev_has_the_console_and_the_gateway_reaches_every_services_readyz_port() -> None:
    settings = gateway_settings("dev")
    assert settings.console is True and settings.console_demo_key is None
    expected = {(name, default_port(name)) for name in OTHERS}
    assert ports_the_gateway_reaches("dev") == expected


def test_the_status_urls_name_each_services_kubernetes_service_and_port() -> None:
    services = of_kind("dev", "Service")
    urls = gateway_settings("dev").status_urls
    assert sorted(urls) == OTHERS
    for name, url in urls.items():
        (port,) = services[name]["spec"]["ports"]
        assert url == f"http://{name}:{port['port']}", name


def test_compose_points_the_console_at_the_service_containers() -> None:
    env = compose()["services"]["gateway"]["environment"]
    urls = json.loads(env["GATEWAY_STATUS_URLS"])
    assert urls == {name: f"http://{name}:{default_port(name)}" for name in OTHERS}
