"""README "Deploying on Kubernetes" tells the truth about the chart and examples it describes."""

from __future__ import annotations

import re
import shlex

import pytest
import yaml

from pushnode_shared.protocol.topics import CATALOGUE
from tests.contract.test_deploy_support import (
    EXAMPLES,
    NAMESPACES,
    REPO,
    SERVICES,
    VALUES,
    Doc,
    of_kind,
    render,
)

SECTION = (REPO / "README.md").read_text().split("\n## Deploying on Kubernetes\n", 1)[-1]


def install_command(example: str) -> list[str]:
    """`helm upgrade --install` of the chart with the example's values, in its namespace."""
    files = [f"deploy/k8s/helm/pushnode/examples/{name}.yaml" for name in VALUES[example]]
    values = [arg for f in files for arg in ("--values", f)]
    chart = ["pushnode", "deploy/k8s/helm/pushnode"]
    return ["helm", "upgrade", "--install", *chart, "--namespace", NAMESPACES[example], *values]


def commands(example: str | None = None) -> list[list[str]]:
    """The README's shell commands (continued lines joined); for an example, only the block
    that installs it."""
    blocks = [b.replace("\\\n", " ") for b in re.findall(r"```sh\n(.*?)```", SECTION, re.S)]
    found = [[shlex.split(line) for line in b.splitlines() if line.strip()] for b in blocks]
    if example is not None:
        found = [block for block in found if install_command(example) in block]
    return [c for block in found for c in block]


def namespace(example: str) -> str:
    return str(of_kind(example, "ConfigMap")["pushnode-config"]["metadata"]["namespace"])


def secrets_to_create(docs: tuple[Doc, ...]) -> set[tuple[str, str]]:
    """(Secret, key) the pods read or mount that nothing in the example creates (an operator
    creates <cluster>-app for a CloudNativePG Cluster)."""
    needed = set()
    for d in docs:
        if d["kind"] != "Deployment":
            continue
        pod = d["spec"]["template"]["spec"]
        volumes = {v["name"]: v["secret"]["secretName"] for v in pod["volumes"] if "secret" in v}
        for c in [*pod["initContainers"], *pod["containers"]]:
            env = c.get("env", [])
            refs = [e["valueFrom"]["secretKeyRef"] for e in env if "valueFrom" in e]
            needed |= {(ref["name"], ref["key"]) for ref in refs}
            for mount in c.get("volumeMounts", []):
                if mount["name"] not in volumes:
                    continue
                inside = mount["mountPath"] + "/"
                files = [e["value"] for e in env if e.get("value", "").startswith(inside)]
                needed |= {(volumes[mount["name"]], f.removeprefix(inside)) for f in files}
    operator = {f"{d['metadata']['name']}-app" for d in docs if d["kind"] == "Cluster"}
    # CloudNativePG reads each managed role's password Secret (basic-auth: both keys).
    for cluster in (d for d in docs if d["kind"] == "Cluster"):
        for role in cluster["spec"].get("managed", {}).get("roles", []):
            secret = role["passwordSecret"]["name"]
            needed |= {(secret, "username"), (secret, "password")}
    return {(name, key) for name, key in needed if name not in operator}


def created_secrets(namespace: str, example: str) -> set[tuple[str, str]]:
    """(Secret, key) that the README's `kubectl -n NS create secret generic` commands create
    in the block installing the example."""
    created = set()
    for c in commands(example):
        if c[:6] == ["kubectl", "-n", namespace, "create", "secret", "generic"]:
            sources = [a.split("=", 2)[1] for a in c[7:] if a.startswith("--from-")]
            created |= {(c[6], key) for key in sources}
    return created


def test_the_section_exists_and_every_path_it_names_exists() -> None:
    assert "\n## Deploying on Kubernetes\n" in (REPO / "README.md").read_text()
    for path in set(re.findall(r"(?:deploy|tests|shared)/[\w./-]*[\w/]", SECTION)):
        assert (REPO / path).exists(), path


@pytest.mark.parametrize("example", EXAMPLES)
def test_the_commands_install_each_example_after_creating_every_secret_it_needs(
    example: str,
) -> None:
    ns = namespace(example)
    assert ns == NAMESPACES[example]
    assert created_secrets(ns, example) == secrets_to_create(render(example))
    assert ["kubectl", "create", "namespace", ns] in commands(example)
    assert install_command(example) in commands(example)


def test_the_secret_check_finds_each_secret_and_key_the_pods_need() -> None:
    roles = {(f"pushnode-db-{s}", k) for s in SERVICES for k in ("username", "password")}
    assert secrets_to_create(render("production-full")) == roles | {
        ("pushnode-chains", "chains.json"),
        ("pushnode-fcm", "service-account.json"),
        ("pushnode-apns", "AuthKey.p8"),
        ("pushnode-apns", "key-id"),
        ("pushnode-apns", "team-id"),
        ("pushnode-apns", "topic"),
        ("pushnode-webpush", "vapid-private.pem"),
        ("pushnode-webpush", "subject"),
    }
    assert ("pushnode-database", "url") in secrets_to_create(render("production"))
    assert secrets_to_create(render("dev")) == {("pushnode-database", "url")}
    assert ("pushnode-node-key", "node.key") in secrets_to_create(render("two-node-a"))


def test_the_keda_example_scales_a_real_consumer_within_its_partitions() -> None:
    (block,) = re.findall(r"```yaml\n(.*?)```", SECTION, re.S)
    scaled = yaml.safe_load(block)
    deployment = of_kind("production", "Deployment")[scaled["spec"]["scaleTargetRef"]["name"]]
    assert scaled["metadata"]["namespace"] == deployment["metadata"]["namespace"]
    (trigger,) = scaled["spec"]["triggers"]
    query = trigger["metadata"]["query"]
    assert "pushnode_consumer_lag{" in query
    consumers = re.findall(r'consumer="([a-z-]+)"', query)
    code = "".join(p.read_text() for p in (REPO / "services").glob("*/src/*/bootstrap.py"))
    assert consumers and all(f'name="{c}"' in code for c in consumers), consumers
    assert scaled["spec"]["maxReplicaCount"] <= max(t.partitions for t in CATALOGUE)
    # The consumers the section names exist too.
    for named in re.findall(r"`((?:validator|storage|dispatcher-[a-z]+))`", SECTION):
        assert f'name="{named}"' in code, named
