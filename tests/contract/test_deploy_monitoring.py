"""Alerts and dashboard speak PromQL about metrics the services really export; each alert has
a runbook page, and kube-prometheus-stack finds the rules and the monitor by their label."""

from __future__ import annotations

import copy
import importlib
import json
import re
from functools import cache
from importlib.metadata import entry_points
from typing import Any

import promql_parser
import pytest
import yaml
from prometheus_client import REGISTRY

from tests.contract.test_deploy_support import (
    CHART,
    REPO,
    crd_problems,
    helm_template,
    of_kind,
    render,
)

DASHBOARD = CHART / "files" / "dashboards" / "pushnode.json"
RUNBOOKS = REPO / "docs" / "runbooks"
# Read from the chart's source at collection time (rendering needs helm); the rendered rule is
# what the other tests read.
ALERTS = [
    rule["alert"]
    for group in yaml.safe_load((CHART / "files" / "alerts.yaml").read_text())["groups"]
    for rule in group["rules"]
]
# Series Prometheus makes itself, not the services.
PROMETHEUS_OWN = {"up"}


def alert_rules(example: str = "production-full") -> list[dict[str, Any]]:
    (rule,) = of_kind(example, "PrometheusRule").values()
    return [r for group in rule["spec"]["groups"] for r in group["rules"]]


def dashboard_expressions() -> list[str]:
    panels = json.loads(DASHBOARD.read_text())["panels"]
    return [t["expr"] for p in panels for t in p["targets"]]


@cache
def exported_series() -> frozenset[str]:
    """Every sample name the installed services and the shared library can export."""
    importlib.import_module("pushnode_shared.infra.metrics")
    for ep in entry_points(group="pushnode.services"):
        package = ep.value.split(":")[0].split(".")[0]
        # bootstrap wires every module a running service uses (handlers live where each
        # service keeps them: the gateway's in its feature packages).
        importlib.import_module(f"{package}.bootstrap")
    names: set[str] = set()
    for family in REGISTRY.collect():
        suffixes = {
            "counter": ["_total"],
            "histogram": ["_bucket", "_count", "_sum"],
            "gauge": [""],
        }.get(family.type, [""])
        names |= {family.name + s for s in suffixes}
    return frozenset(names)


def metric_names(expression: str) -> set[str]:
    found: set[str] = set()

    def visit(node: Any) -> None:
        if isinstance(node, promql_parser.VectorSelector) and node.name:
            found.add(node.name)

    promql_parser.walk(promql_parser.parse(expression), pre_visit=visit)
    return found


def unknown_metrics(expressions: list[str]) -> set[str]:
    used = {name for e in expressions for name in metric_names(e)}
    return used - exported_series() - PROMETHEUS_OWN


def test_every_alert_and_panel_parses_as_promql() -> None:
    for expression in [r["expr"] for r in alert_rules()] + dashboard_expressions():
        promql_parser.parse(expression)  # raises on a syntax error


def test_alerts_and_panels_name_only_metrics_the_services_export() -> None:
    assert unknown_metrics([r["expr"] for r in alert_rules()]) == set()
    assert unknown_metrics(dashboard_expressions()) == set()


def test_the_metric_check_sees_a_misspelt_metric_and_a_broken_expression() -> None:
    assert unknown_metrics(["rate(pushnode_events_consumd_total[5m])"]) == {
        "pushnode_events_consumd_total"
    }
    with pytest.raises(ValueError):
        promql_parser.parse("sum by (consumer (pushnode_consumer_lag)")


def test_each_alert_has_a_severity_a_summary_and_a_readme_entry() -> None:
    readme = (REPO / "README.md").read_text().split("\n### Alerts\n", 1)[1].split("\n### ", 1)[0]
    for rule in alert_rules():
        assert rule["labels"]["severity"] in {"warning", "critical"}, rule["alert"]
        assert {"summary", "description"} <= set(rule["annotations"]), rule["alert"]
        assert re.search(rf"^\| `{rule['alert']}` \|", readme, re.M), rule["alert"]


def test_the_monitoring_resources_pass_the_prometheus_operator_schemas() -> None:
    docs = [d for d in render("production-full") if d["apiVersion"].startswith("monitoring.")]
    assert sorted(d["kind"] for d in docs) == ["PodMonitor", "PrometheusRule"]
    assert [p for d in docs for p in crd_problems(d)] == []
    broken = copy.deepcopy(of_kind("production-full", "PrometheusRule")["pushnode"])
    broken["spec"]["groups"][0]["rules"][0]["for"] = "ten minutes"
    assert crd_problems(broken) != []


def test_the_pod_monitor_scrapes_the_internal_metrics_port_the_services_do_not_expose() -> None:
    (monitor,) = of_kind("production-full", "PodMonitor").values()
    assert [e["port"] for e in monitor["spec"]["podMetricsEndpoints"]] == ["metrics"]
    wanted = set(monitor["spec"]["selector"]["matchExpressions"][0]["values"])
    services = of_kind("production-full", "Service")
    for name, deployment in of_kind("production-full", "Deployment").items():
        ports = {
            p["name"]: p["containerPort"]
            for p in deployment["spec"]["template"]["spec"]["containers"][0]["ports"]
        }
        # SharedSettings.internal_metrics_port: the HTTP port + 5400.
        assert ports["metrics"] == ports["http"] + 5400, name
        assert name in wanted, name
        exposed = {p.get("targetPort") for p in services[name]["spec"]["ports"]}
        assert "metrics" not in exposed and ports["metrics"] not in exposed, name


def test_the_dashboard_reaches_grafana_as_a_labelled_config_map() -> None:
    config_map = of_kind("production-full", "ConfigMap")["pushnode-dashboard"]
    assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
    dashboard = json.loads(config_map["data"]["pushnode.json"])
    assert dashboard["uid"] == "pushnode-overview" and dashboard["panels"]
    assert not of_kind("production", "PrometheusRule")  # production needs Strimzi only


def test_the_rules_and_the_monitor_carry_the_release_label_kube_prometheus_stack_selects() -> None:
    for kind in ("PodMonitor", "PrometheusRule"):
        (doc,) = of_kind("production-full", kind).values()
        assert doc["metadata"]["labels"]["release"] == "kube-prometheus-stack", kind
    mine = helm_template("production-full", "--set", "monitoring.release=prom")
    labelled = [d for d in yaml.safe_load_all(mine) if d and d["apiVersion"].startswith("monit")]
    assert [d["metadata"]["labels"]["release"] for d in labelled] == ["prom", "prom"]


def test_every_alert_links_its_own_runbook_page_and_every_page_has_an_alert() -> None:
    base = "https://github.com/pushnode/pushnode/blob/main/docs/runbooks"
    names = [rule["alert"] for rule in alert_rules()]
    assert names == ALERTS
    for rule in alert_rules():
        assert rule["annotations"]["runbook_url"] == f"{base}/{rule['alert']}.md"
    assert sorted(p.stem for p in RUNBOOKS.glob("*.md")) == sorted(names)


@pytest.mark.parametrize("alert", ALERTS)
def test_each_runbook_says_what_the_alert_means_and_what_to_do(alert: str) -> None:
    page = (RUNBOOKS / f"{alert}.md").read_text()
    assert page.startswith(f"# {alert}\n"), alert
    for heading in ("## What it means", "## What to do"):
        assert f"\n{heading}\n" in page, (alert, heading)
