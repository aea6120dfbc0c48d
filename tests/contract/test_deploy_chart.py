"""The Helm chart itself: lint, its values (image policy, peers, node key, ingress, spread) and
one source of truth for the manifests.

Resources in general are checked by the other test_deploy_* modules on the rendered examples;
helpers live in test_deploy_support.
"""

from __future__ import annotations

import json

import pytest
import yaml

from tests.contract.test_deploy_support import (
    CHART,
    EXAMPLES,
    K8S,
    NAMESPACES,
    SERVICES,
    VALUES,
    container,
    default_port,
    env_of,
    helm,
    helm_template,
    of_kind,
    pod_labels,
    selects,
    values_args,
)

NODE_KEY_MOUNT = "/var/run/secrets/pushnode/node"


@pytest.mark.parametrize("example", EXAMPLES)
def test_helm_lint_passes_strictly_for_every_example(example: str) -> None:
    namespace = ["--namespace", NAMESPACES[example]]
    out = helm("lint", "--strict", str(CHART), *namespace, *values_args(example))
    assert out.returncode == 0, out.stdout + out.stderr


def test_every_values_file_under_examples_is_an_example_we_render() -> None:
    files = {p.stem for p in (CHART / "examples").glob("*.yaml")}
    assert files == {name for layers in VALUES.values() for name in layers}


def test_the_kustomize_copies_are_retired_so_the_chart_is_the_only_source() -> None:
    assert not list(K8S.rglob("kustomization.yaml"))
    assert sorted(p.name for p in K8S.iterdir()) == ["helm"]


def refused(*sets: str) -> str:
    """The error `helm template` gives for the dev example with extra --set values."""
    args = [a for s in sets for a in ("--set", s)]
    out = helm("template", "pushnode", str(CHART), *values_args("dev"), *args)
    assert out.returncode != 0, "rendered"
    return out.stderr


def test_the_chart_refuses_latest_an_empty_tag_and_a_peer_without_an_address() -> None:
    assert "`latest` is refused" in refused("image.tag=latest")
    assert "`latest` is refused" in refused("image.tag=")
    assert "address" in refused("peers[0].url=https://b.example.org")
    assert "secrets.database" in refused("secrets.database=")
    assert "kafka.bootstrap" in refused("strimzi.enabled=false")


def test_values_the_chart_does_not_know_are_refused_naming_the_key() -> None:
    assert "replica" in refused("strimzi.replica=3")
    assert "monitoring" in refused("monitoring.relase=prom")
    assert "address" in refused("peers[0].url=https://b.example.org", "peers[0].address=0x1")


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_deployment_spreads_its_own_pods_over_zones_and_nodes(example: str) -> None:
    for name, deployment in of_kind(example, "Deployment").items():
        constraints = deployment["spec"]["template"]["spec"]["topologySpreadConstraints"]
        keys = [c["topologyKey"] for c in constraints]
        assert keys == ["topology.kubernetes.io/zone", "kubernetes.io/hostname"], name
        for c in constraints:
            assert selects(c["labelSelector"], pod_labels(deployment)), name
            assert c["maxSkew"] == 1 and c["whenUnsatisfiable"] == "ScheduleAnyway", name


def test_production_puts_the_gateway_behind_tls_with_body_size_and_rate_limits() -> None:
    (ingress,) = of_kind("production", "Ingress").values()
    notes = ingress["metadata"]["annotations"]
    assert notes["cert-manager.io/cluster-issuer"] == "letsencrypt"
    assert notes["nginx.ingress.kubernetes.io/proxy-body-size"] == "1m"
    assert int(notes["nginx.ingress.kubernetes.io/limit-rps"]) > 0
    assert int(notes["nginx.ingress.kubernetes.io/limit-connections"]) > 0
    (tls,) = ingress["spec"]["tls"]
    (rule,) = ingress["spec"]["rules"]
    assert tls["hosts"] == [rule["host"]] and tls["secretName"]
    (path,) = rule["http"]["paths"]
    backend = path["backend"]["service"]
    assert backend == {"name": "gateway", "port": {"name": "http"}}
    (port,) = of_kind("production", "Service")["gateway"]["spec"]["ports"]
    assert (port["name"], port["port"]) == ("http", default_port("gateway"))
    assert not of_kind("dev", "Ingress")


def peers_of(example: str) -> list[dict[str, str]]:
    data = of_kind(example, "ConfigMap")["pushnode-config"]["data"]
    return list(json.loads(data.get("PUSHNODE_PEERS", "[]")))


def test_two_nodes_name_each_other_as_peers_by_gateway_url_and_node_address() -> None:
    a, b = peers_of("two-node-a"), peers_of("two-node-b")
    assert [p["url"] for p in a] == ["http://gateway.pushnode-b.svc.cluster.local:4000"]
    assert [p["url"] for p in b] == ["http://gateway.pushnode-a.svc.cluster.local:4000"]
    assert a[0]["address"] != b[0]["address"]
    assert peers_of("dev") == [] and peers_of("production") == []


def test_the_node_key_is_mounted_from_its_secret_only_where_it_is_needed() -> None:
    holders = set()
    for name, deployment in of_kind("two-node-a", "Deployment").items():
        pod = deployment["spec"]["template"]["spec"]
        volumes = {v["name"]: v for v in pod["volumes"]}
        if "node-key" not in volumes:
            assert "PUSHNODE_NODE_KEY_FILE" not in env_of(container(deployment)), name
            continue
        holders.add(name)
        assert volumes["node-key"]["secret"]["secretName"] == "pushnode-node-key"
        mounts = {m["name"]: m for m in container(deployment)["volumeMounts"]}
        assert mounts["node-key"] == {
            "name": "node-key",
            "mountPath": NODE_KEY_MOUNT,
            "readOnly": True,
        }
        key_file = env_of(container(deployment))["PUSHNODE_NODE_KEY_FILE"]["value"]
        assert key_file == f"{NODE_KEY_MOUNT}/node.key"
    assert holders == {"gateway", "listener"} and holders < set(SERVICES)
    assert not any(
        "node-key" in {v["name"] for v in d["spec"]["template"]["spec"]["volumes"]}
        for d in of_kind("dev", "Deployment").values()
    )


def config_checksums(example: str) -> set[str]:
    return {
        d["spec"]["template"]["metadata"]["annotations"]["checksum/config"]
        for d in of_kind(example, "Deployment").values()
    }


def test_a_changed_config_rolls_every_service() -> None:
    """envFrom is read at start: the pods carry the ConfigMap's checksum so that they restart."""
    (dev,) = config_checksums("dev")
    (with_peers,) = config_checksums("two-node-a")
    assert dev != with_peers


def test_without_strimzi_the_services_use_your_brokers_and_no_kafka_resource_is_rendered() -> None:
    args = ["--set", "strimzi.enabled=false", "--set", "kafka.bootstrap=kafka.example.org:9093"]
    docs = [d for d in yaml.safe_load_all(helm_template("production", *args)) if d]
    assert not [d for d in docs if d["apiVersion"].startswith("kafka.strimzi.io/")]
    (config,) = [d for d in docs if d["metadata"]["name"] == "pushnode-config"]
    assert config["data"]["KAFKA_BOOTSTRAP"] == "kafka.example.org:9093"
