"""Who may connect to what (NetworkPolicies), how pods are evicted (PDBs), and no gateway HPA.

No CNI runs here, so `admits` applies the NetworkPolicy rules of the Kubernetes API reference
to the rendered policies: a pod that some Ingress policy selects accepts a connection only if
one of those policies has a rule whose ports and peers match it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import pytest

from tests.contract.test_deploy_support import (
    EXAMPLES,
    SERVICES,
    Doc,
    default_port,
    of_kind,
    pod_labels,
    render,
    selects,
    workloads,
)

NAMESPACE_LABEL = "kubernetes.io/metadata.name"


@dataclass(frozen=True)
class Peer:
    """Who connects: a pod (labels) in a namespace, or something outside the cluster."""

    namespace: str = "elsewhere"
    labels: dict[str, str] | None = field(default_factory=dict)


INTERNET = Peer(namespace="", labels=None)


@dataclass(frozen=True)
class Pod:
    name: str
    labels: dict[str, str]
    ports: dict[str, int]


def pods(example: str) -> list[Pod]:
    """Our workloads' pods, and in production the CloudNativePG instances it declares."""
    found = [
        Pod(name, pod_labels(w), {p["name"]: p["containerPort"] for p in container_ports(w)})
        for name, w in workloads(example).items()
    ]
    for cluster in of_kind(example, "Cluster"):
        postgres = {"postgresql": 5432, "status": 8000, "metrics": 9187}
        found.append(Pod(cluster, {"cnpg.io/cluster": cluster}, postgres))
    return found


def container_ports(workload: Doc) -> list[Doc]:
    containers = workload["spec"]["template"]["spec"]["containers"]
    return [port for c in containers for port in c.get("ports", [])]


def peer_matches(rule_peer: Doc, peer: Peer, namespace: str) -> bool:
    if "ipBlock" in rule_peer:
        return peer.labels is None
    if peer.labels is None:
        return False
    if "namespaceSelector" in rule_peer:
        in_namespace = selects(rule_peer["namespaceSelector"], {NAMESPACE_LABEL: peer.namespace})
    else:
        in_namespace = peer.namespace == namespace
    return in_namespace and selects(rule_peer.get("podSelector", {}), peer.labels)


def port_matches(rule: Doc, pod: Pod, port: int) -> bool:
    """A rule's port is a number or the name of a container port; no ports means all."""
    if not rule.get("ports"):
        return True
    names = {n for n, v in pod.ports.items() if v == port}
    return any(
        p.get("protocol", "TCP") == "TCP"
        and ("port" not in p or p["port"] == port or p["port"] in names)
        for p in rule["ports"]
    )


def admits(policies: list[Doc], pod: Pod, port: int, peer: Peer, namespace: str) -> bool:
    """Whether a TCP connection from peer to pod:port is allowed."""
    selecting = [
        p
        for p in policies
        if "Ingress" in p["spec"].get("policyTypes", ["Ingress"])
        and selects(p["spec"]["podSelector"], pod.labels)
    ]
    if not selecting:
        return True
    return any(
        port_matches(rule, pod, port)
        and (not rule.get("from") or any(peer_matches(f, peer, namespace) for f in rule["from"]))
        for policy in selecting
        for rule in policy["spec"].get("ingress", [])
    )


def reachable(example: str, peer: Peer, policies: list[Doc] | None = None) -> set[tuple[str, int]]:
    """Every (pod, port) the peer may connect to."""
    namespace = namespace_of(example)
    if policies is None:
        policies = list(of_kind(example, "NetworkPolicy").values())
    return {
        (pod.name, port)
        for pod in pods(example)
        for port in pod.ports.values()
        if admits(policies, pod, port, peer, namespace)
    }


def namespace_of(example: str) -> str:
    return str(of_kind(example, "ConfigMap")["pushnode-config"]["metadata"]["namespace"])


def in_namespace(example: str, labels: dict[str, str]) -> Peer:
    return Peer(namespace_of(example), labels)


@pytest.mark.parametrize("example", EXAMPLES)
def test_from_outside_only_the_gateway_port_is_reachable(example: str) -> None:
    (deny,) = [
        p for p in of_kind(example, "NetworkPolicy").values() if p["spec"]["podSelector"] == {}
    ]
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress"]}
    gateway = {("gateway", default_port("gateway"))}
    assert reachable(example, INTERNET) == gateway
    assert reachable(example, Peer("elsewhere", {"app.kubernetes.io/name": "gateway"})) == gateway


@pytest.mark.parametrize("example", EXAMPLES)
def test_prometheus_in_monitoring_scrapes_every_service_and_nothing_more(example: str) -> None:
    scraped = reachable(example, Peer("monitoring", {"app.kubernetes.io/name": "prometheus"}))
    expected = {(name, default_port(name) + 5400) for name in SERVICES}  # the metrics port
    expected.add(("gateway", default_port("gateway")))  # public, as from anywhere
    expected |= {(name, 9187) for name in of_kind(example, "Cluster")}
    assert scraped == expected
    assert reachable(example, Peer("monitoring-staging")) == {("gateway", default_port("gateway"))}


@pytest.mark.parametrize("example", EXAMPLES)
def test_only_storage_the_gateway_and_the_validator_reach_the_kubo_api(example: str) -> None:
    readers = ("storage", "gateway", "validator")  # the validator reads `1+<cid>` payloads
    for name in [*SERVICES, "kubo"]:
        peer = in_namespace(example, pod_labels(workloads(example)[name]))
        kubo = {port for pod, port in reachable(example, peer) if pod == "kubo"}
        assert kubo == ({5001} if name in readers else set()), name


def test_postgres_admits_the_services_its_own_instances_and_its_operator_only() -> None:
    db = "pushnode-db"
    for name in [*SERVICES, "kubo"]:
        peer = in_namespace("production-full", pod_labels(workloads("production-full")[name]))
        ports = {port for pod, port in reachable("production-full", peer) if pod == db}
        assert ports == ({5432} if name in SERVICES else set()), name
    instance = in_namespace("production-full", {"cnpg.io/cluster": db})
    assert {p for pod, p in reachable("production-full", instance) if pod == db} == {5432, 8000}
    operator = Peer("cnpg-system", {"app.kubernetes.io/name": "cloudnative-pg"})
    assert {p for pod, p in reachable("production-full", operator) if pod == db} == {5432, 8000}


def test_the_model_sees_a_policy_that_opens_everything_and_the_value_of_default_deny() -> None:
    policies = list(of_kind("dev", "NetworkPolicy").values())
    wide_open = {"metadata": {"name": "oops"}, "spec": {"podSelector": {}, "ingress": [{}]}}
    assert ("kubo", 5001) in reachable("dev", INTERNET, [*policies, wide_open])
    # A pod no other policy selects (an anvil started by hand, say) is closed only by default-deny.
    stray = Pod("anvil", {"app": "anvil"}, {"rpc": 8545})
    without_deny = [p for p in policies if p["spec"]["podSelector"] != {}]
    assert admits(without_deny, stray, 8545, INTERNET, "pushnode-dev")
    assert not admits(policies, stray, 8545, INTERNET, "pushnode-dev")


def budget_problems(docs: tuple[Doc, ...]) -> list[str]:
    """Each Deployment needs exactly one PodDisruptionBudget: a pod under two cannot be evicted."""
    budgets = [d for d in docs if d["kind"] == "PodDisruptionBudget"]
    problems = []
    for d in docs:
        if d["kind"] != "Deployment":
            continue
        labels = d["spec"]["template"]["metadata"]["labels"]
        mine = [b for b in budgets if selects(b["spec"]["selector"], labels)]
        if len(mine) != 1:
            problems.append(f"{d['metadata']['name']}: {len(mine)} PodDisruptionBudgets")
        elif mine[0]["spec"] != {"maxUnavailable": 1, "selector": mine[0]["spec"]["selector"]}:
            problems.append(f"{d['metadata']['name']}: budget is not maxUnavailable 1")
    return problems


@pytest.mark.parametrize("example", EXAMPLES)
def test_each_service_has_one_budget_that_evicts_one_pod_at_a_time(example: str) -> None:
    assert budget_problems(render(example)) == []


def test_the_budget_check_sees_a_missing_an_overlapping_and_a_different_budget() -> None:
    def broken(name: str, spec: Doc) -> list[str]:
        docs = copy.deepcopy(render("production"))
        (budget,) = [
            d for d in docs if d["kind"] == "PodDisruptionBudget" and d["metadata"]["name"] == name
        ]
        budget["spec"].update(spec)
        return sorted(budget_problems(docs))

    typo = {"selector": {"matchLabels": {"app.kubernetes.io/name": "validater"}}}
    assert broken("validator", typo) == ["validator: 0 PodDisruptionBudgets"]
    everyone = {"selector": {"matchLabels": {"app.kubernetes.io/part-of": "pushnode"}}}
    others = sorted(set(SERVICES) - {"storage"})
    assert broken("storage", everyone) == [f"{n}: 2 PodDisruptionBudgets" for n in others]
    strict = {"minAvailable": 1}
    assert broken("gateway", strict) == ["gateway: budget is not maxUnavailable 1"]
