"""The Helm chart renders, for every example's values, core resources that Kubernetes accepts
and that fit the services; `helm lint` passes for each.

Custom resources (Kafka, PostgreSQL) are checked in test_deploy_kafka and test_deploy_database,
ingress and disruption rules in test_deploy_policies, compose and the Dockerfile in
test_deploy_compose. Helpers live in test_deploy_support.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import kubernetes_validate
import pytest

from tests.contract.test_deploy_support import (
    CORE_KINDS,
    EXAMPLES,
    KUBERNETES_VERSION,
    SERVICES,
    container,
    crd_schema_path,
    default_port,
    devstack_var,
    env_of,
    init_containers,
    of_kind,
    render,
    sdk_local_chains,
    workloads,
)


def core_problems(example: str) -> list[str]:
    problems = []
    for doc in render(example):
        if doc["kind"] not in CORE_KINDS:
            continue
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            where = "/".join(str(p) for p in exc.path)
            problems.append(f"{doc['kind']}/{doc['metadata']['name']} {where}: {exc.message}")
    return problems


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_rendered_resource_is_core_or_has_a_crd_schema(example: str) -> None:
    for doc in render(example):
        custom = crd_schema_path(doc["apiVersion"], doc["kind"]).exists()
        assert doc["kind"] in CORE_KINDS or custom, f"{doc['kind']} has no validator here"


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_core_resource_passes_strict_schema_validation(example: str) -> None:
    problems = core_problems(example)
    assert not problems, "\n".join(problems)


def test_strict_validation_rejects_a_misspelled_field_a_wrong_type_and_an_unknown_kind() -> None:
    good = of_kind(EXAMPLES[0], "Deployment")["gateway"]
    misspelled = copy.deepcopy(good)
    misspelled["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {}
    wrong_type = copy.deepcopy(good)
    wrong_type["spec"]["replicas"] = "three"
    bad_budget = copy.deepcopy(of_kind(EXAMPLES[0], "PodDisruptionBudget")["gateway"])
    bad_budget["spec"]["maxUnavailabe"] = 1
    for broken in (misspelled, wrong_type, bad_budget):
        with pytest.raises(kubernetes_validate.ValidationError):
            kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)
    crd = {"apiVersion": "kafka.strimzi.io/v1", "kind": "KafkaTopic", "metadata": {}}
    with pytest.raises(kubernetes_validate.SchemaNotFoundError):
        kubernetes_validate.validate(crd, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("example", EXAMPLES)
def test_each_example_deploys_every_installed_service_with_its_own_account(example: str) -> None:
    for kind in ("Deployment", "PodDisruptionBudget"):
        assert sorted(of_kind(example, kind)) == SERVICES, kind
    for kind in ("Service", "ServiceAccount"):
        assert sorted(of_kind(example, kind)) == sorted([*SERVICES, "kubo"]), kind
    for name, account in of_kind(example, "ServiceAccount").items():
        assert account["automountServiceAccountToken"] is False, name
    for name, deployment in of_kind(example, "Deployment").items():
        pod = deployment["spec"]["template"]["spec"]
        assert pod["serviceAccountName"] == name
        assert pod["automountServiceAccountToken"] is False, name
        assert container(deployment)["args"] == ["run", name]


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_service_waits_for_its_topics_then_migrates_before_it_starts(example: str) -> None:
    for name, deployment in of_kind(example, "Deployment").items():
        main, inits = container(deployment), init_containers(deployment)
        assert list(inits) == ["wait-for-topics", "migrate"], name
        assert inits["wait-for-topics"]["command"] == [
            "python",
            "/etc/pushnode/init/wait_for_topics.py",
        ]
        assert inits["migrate"]["args"] == ["migrate", name]
        for init in inits.values():
            assert init["image"] == main["image"], name
            assert init["envFrom"] == main["envFrom"], name
        # migrate reaches the same database as the service.
        database = {
            k: v for k, v in env_of(main).items() if k.startswith(("DATABASE", "PUSHNODE_DB"))
        }
        assert database and env_of(inits["migrate"]) == database, name


def all_containers(example: str) -> list[tuple[str, dict[str, Any]]]:
    """(workload, container) for every init and main container of every workload."""
    return [
        (name, c)
        for name, workload in workloads(example).items()
        for c in [
            *workload["spec"]["template"]["spec"].get("initContainers", []),
            *workload["spec"]["template"]["spec"]["containers"],
        ]
    ]


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_container_runs_as_non_root_on_a_read_only_root_without_capabilities(
    example: str,
) -> None:
    for name, workload in workloads(example).items():
        pod = workload["spec"]["template"]["spec"]["securityContext"]
        assert pod["runAsNonRoot"] is True, name
        assert pod["runAsUser"] == (1000 if name == "kubo" else 10001), name
    for name, c in all_containers(example):
        ctx = c["securityContext"]
        assert ctx["readOnlyRootFilesystem"] is True, (name, c["name"])
        assert ctx["allowPrivilegeEscalation"] is False, (name, c["name"])
        assert ctx["capabilities"] == {"drop": ["ALL"]}, (name, c["name"])


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_container_has_cpu_and_memory_requests_and_limits(example: str) -> None:
    for name, c in all_containers(example):
        for bound in ("requests", "limits"):
            assert set(c["resources"][bound]) == {"cpu", "memory"}, (name, c["name"], bound)


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_container_probes_healthz_and_readyz_on_its_services_default_port(
    example: str,
) -> None:
    services = of_kind(example, "Service")
    for name, deployment in of_kind(example, "Deployment").items():
        c, port = container(deployment), default_port(name)
        assert c["ports"] == [
            {"name": "http", "containerPort": port, "protocol": "TCP"},
            # /metrics alone, on the internal port the Service below does not expose.
            {"name": "metrics", "containerPort": port + 5400, "protocol": "TCP"},
        ]
        env = env_of(c)
        assert env[f"{name.upper()}_HTTP_PORT"]["value"] == str(port)
        assert env[f"{name.upper()}_HTTP_HOST"]["value"] == "0.0.0.0"
        assert c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
        assert c["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
        assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
        (service_port,) = services[name]["spec"]["ports"]
        assert (service_port["port"], service_port["targetPort"]) == (port, "http")


@pytest.mark.parametrize("example", EXAMPLES)
def test_settings_come_from_configmaps_and_no_secret_value_is_in_the_manifests(
    example: str,
) -> None:
    assert "Secret" not in {d["kind"] for d in render(example)}
    configs = of_kind(example, "ConfigMap")
    # (plus the Grafana dashboard where the monitoring component is listed)
    assert sorted(set(configs) - {"pushnode-dashboard"}) == [
        "kubo-init",
        "pushnode-config",
        "pushnode-init",
    ]
    assert "DATABASE_URL" not in configs["pushnode-config"]["data"]
    for name, deployment in of_kind(example, "Deployment").items():
        c = container(deployment)
        assert c["envFrom"] == [{"configMapRef": {"name": "pushnode-config"}}], name
        assert "value" not in env_of(c).get("PUSHNODE_DB_PASSWORD", {}), name


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_example_pins_an_image_tag_and_keeps_the_single_writers_at_one_replica(
    example: str,
) -> None:
    deployments = of_kind(example, "Deployment")
    for deployment in deployments.values():
        image = container(deployment)["image"]
        assert re.fullmatch(r"[\w./-]+:[\w.-]+", image) and not image.endswith(":latest"), image
    # One chain follower; sockets see only their own gateway's partitions (see production).
    assert deployments["listener"]["spec"]["replicas"] == 1
    assert deployments["listener"]["spec"]["strategy"] == {"type": "Recreate"}
    # The gateway: one pod, or as many as its autoscaler says (no replicas an upgrade resets).
    scaled = "gateway" in of_kind(example, "HorizontalPodAutoscaler")
    assert deployments["gateway"]["spec"].get("replicas") == (None if scaled else 1)


def test_the_configmap_chains_are_the_sdk_local_contracts() -> None:
    sdk_local_chains(of_kind("dev", "ConfigMap")["pushnode-config"]["data"]["PUSHNODE_CHAINS"])


@pytest.mark.parametrize("example", EXAMPLES)
def test_kubo_is_the_devstack_version_on_a_persistent_volume_that_storage_reaches(
    example: str,
) -> None:
    kubo = of_kind(example, "StatefulSet")["kubo"]
    pod = kubo["spec"]["template"]["spec"]
    (c,) = pod["containers"]
    assert c["image"] == f"ipfs/kubo:{devstack_var('KUBO_VERSION')}"
    assert kubo["spec"]["replicas"] == 1 and kubo["spec"]["serviceName"] == "kubo"
    (claim,) = kubo["spec"]["volumeClaimTemplates"]
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
    mounts = {m["name"]: m["mountPath"] for m in c["volumeMounts"]}
    assert mounts[claim["metadata"]["name"]] == env_of(c)["IPFS_PATH"]["value"]
    assert c["readinessProbe"]["exec"]["command"][-1] == "id"
    (api,) = of_kind(example, "Service")["kubo"]["spec"]["ports"]
    ipfs_api = of_kind(example, "ConfigMap")["pushnode-config"]["data"]["IPFS_API"]
    assert ipfs_api == f"http://kubo:{api['port']}"
    assert {"name": "api", "containerPort": api["port"], "protocol": "TCP"} in c["ports"]


def test_the_production_example_needs_no_operator_but_strimzi() -> None:
    built_in = {"v1", "apps", "policy", "autoscaling", "networking.k8s.io"}
    custom = {d["apiVersion"].split("/")[0] for d in render("production")} - built_in
    assert custom == {"kafka.strimzi.io"}
    extra = {d["apiVersion"].split("/")[0] for d in render("production-full")}
    assert {"postgresql.cnpg.io", "monitoring.coreos.com"} <= extra


def test_production_scales_the_gateway_on_cpu_from_two_pods() -> None:
    (autoscaler,) = of_kind("production", "HorizontalPodAutoscaler").values()
    target = autoscaler["spec"]["scaleTargetRef"]
    deployment = of_kind("production", "Deployment")[target["name"]]
    assert (target["kind"], target["name"]) == ("Deployment", "gateway")
    assert autoscaler["spec"]["minReplicas"] >= 2
    # CPU utilisation is measured against the request: without one the autoscaler is blind.
    assert container(deployment)["resources"]["requests"]["cpu"]
    assert not of_kind("dev", "HorizontalPodAutoscaler")
