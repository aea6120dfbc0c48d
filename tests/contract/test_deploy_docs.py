"""README "Deploying on Kubernetes" tells the truth about the manifests it describes."""

from __future__ import annotations

import re
import shlex

import pytest
import yaml

from pushnode_shared.protocol.topics import CATALOGUE
from tests.contract.test_deploy_support import (
    K8S,
    OVERLAYS,
    REPO,
    Doc,
    of_kind,
    render,
)

SECTION = (REPO / "README.md").read_text().split("\n## Deploying on Kubernetes\n", 1)[-1]


def commands(overlay: str | None = None) -> list[list[str]]:
    """The README's shell commands; for an overlay, only the block that applies it."""
    blocks = re.findall(r"```sh\n(.*?)```", SECTION, re.S)
    if overlay is not None:
        applies = f"kubectl apply -k deploy/k8s/overlays/{overlay}\n"
        blocks = [b for b in blocks if applies in b]
    return [shlex.split(line) for block in blocks for line in block.splitlines() if line]


def namespace(overlay: str) -> str:
    return str(of_kind(overlay, "ConfigMap")["pushnode-config"]["metadata"]["namespace"])


def secrets_to_create(docs: tuple[Doc, ...]) -> set[tuple[str, str]]:
    """(Secret, key) the pods read or mount that nothing in the overlay creates (an operator
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
    return {(name, key) for name, key in needed if name not in operator}


def created_secrets(namespace: str, overlay: str) -> set[tuple[str, str]]:
    """(Secret, key) that the README's `kubectl -n NS create secret generic` commands create
    in the block applying the overlay."""
    created = set()
    for c in commands(overlay):
        if c[:6] == ["kubectl", "-n", namespace, "create", "secret", "generic"]:
            sources = [a.split("=", 2)[1] for a in c[7:] if a.startswith("--from-")]
            created |= {(c[6], key) for key in sources}
    return created


def test_the_section_exists_and_every_path_it_names_exists() -> None:
    assert "\n## Deploying on Kubernetes\n" in (REPO / "README.md").read_text()
    for path in set(re.findall(r"(?:deploy|tests|shared)/[\w./-]*[\w/]", SECTION)):
        assert (REPO / path).exists(), path


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_commands_apply_each_overlay_after_creating_every_secret_it_needs(
    overlay: str,
) -> None:
    ns = namespace(overlay)
    assert created_secrets(ns, overlay) == secrets_to_create(render(overlay))
    assert ["kubectl", "create", "namespace", ns] in commands(overlay)
    assert ["kubectl", "apply", "-k", f"deploy/k8s/overlays/{overlay}"] in commands(overlay)
    assert (K8S / "overlays" / overlay / "kustomization.yaml").exists()


def test_the_secret_check_finds_each_secret_and_key_the_pods_need() -> None:
    assert secrets_to_create(render("production-full")) == {
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
