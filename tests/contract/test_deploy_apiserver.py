"""A real Kubernetes API server accepts every rendered example (server-side dry-run).

kube-apiserver and etcd are built from the Go module proxy by devstack/k8s/tools.sh (cached);
the fixture runs them on loopback with no kubelet, scheduler or controllers: nothing is
scheduled, the server validates and admits. The operators' CRDs are made from the CRD schemas
in schemas/ (each version's openAPIV3Schema as the operator ships it, without descriptions),
so the server also runs their CEL rules, which the offline checks only translate by hand.
"""

from __future__ import annotations

import copy
import json
import secrets
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.contract.test_deploy_support import (
    EXAMPLES,
    NAMESPACES,
    SCHEMAS,
    Doc,
    helm_template,
    k8s_tool,
    of_kind,
    run_tool,
)

READY_TIMEOUT = 180  # seconds for etcd and the API server to come up on a busy machine


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def crd(schema_file: Path) -> Doc:
    """A CustomResourceDefinition serving one version with the stored openAPIV3Schema."""
    version, group = schema_file.parent.name, schema_file.parent.parent.name
    kind = schema_file.stem
    schema = {k: v for k, v in json.loads(schema_file.read_text()).items() if k != "$comment"}
    plural = kind.lower() + "s"
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}"},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {"kind": kind, "plural": plural, "singular": kind.lower()},
            "versions": [
                {
                    "name": version,
                    "served": True,
                    "storage": True,
                    "schema": {"openAPIV3Schema": schema},
                    "subresources": {"status": {}},
                }
            ],
        },
    }


class ApiServer:
    """etcd and kube-apiserver in a temporary directory, and kubectl pointed at them."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.procs: list[subprocess.Popen[bytes]] = []
        self.kubeconfig = work / "kubeconfig"

    def spawn(self, name: str, *args: str) -> None:
        with (self.work / f"{name}.log").open("wb") as log:  # the child keeps its own copy
            self.procs.append(subprocess.Popen([*args], stdout=log, stderr=subprocess.STDOUT))

    def start(self) -> None:
        etcd_port, peer_port, api_port = free_port(), free_port(), free_port()
        etcd_url, peer_url = f"http://127.0.0.1:{etcd_port}", f"http://127.0.0.1:{peer_port}"
        self.spawn(
            "etcd",
            str(k8s_tool("etcd")),
            f"--data-dir={self.work / 'etcd'}",
            f"--listen-client-urls={etcd_url}",
            f"--advertise-client-urls={etcd_url}",
            f"--listen-peer-urls={peer_url}",
            f"--initial-advertise-peer-urls={peer_url}",
            f"--initial-cluster=default={peer_url}",
            "--unsafe-no-fsync",  # a throw-away store: skip the disk flushes
        )
        token = secrets.token_hex(16)
        (self.work / "tokens.csv").write_text(f"{token},admin,admin,system:masters\n")
        self.write_service_account_key()
        self.spawn(
            "kube-apiserver",
            str(k8s_tool("kube-apiserver")),
            f"--etcd-servers={etcd_url}",
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            f"--secure-port={api_port}",
            f"--cert-dir={self.work / 'certs'}",
            f"--token-auth-file={self.work / 'tokens.csv'}",
            "--authorization-mode=RBAC",
            "--service-account-issuer=https://kubernetes.default.svc",
            f"--service-account-key-file={self.work / 'sa.pub'}",
            f"--service-account-signing-key-file={self.work / 'sa.key'}",
            "--service-cluster-ip-range=10.96.0.0/16",
        )
        self.kubeconfig.write_text(
            yaml.safe_dump(
                {
                    "apiVersion": "v1",
                    "kind": "Config",
                    "clusters": [
                        {
                            "name": "test",
                            "cluster": {
                                "server": f"https://127.0.0.1:{api_port}",
                                "insecure-skip-tls-verify": True,
                            },
                        }
                    ],
                    "users": [{"name": "admin", "user": {"token": token}}],
                    "contexts": [{"name": "test", "context": {"cluster": "test", "user": "admin"}}],
                    "current-context": "test",
                }
            )
        )
        self.wait_ready()

    def write_service_account_key(self) -> None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        private = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        public = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        (self.work / "sa.key").write_bytes(private)
        (self.work / "sa.pub").write_bytes(public)

    def wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while self.kubectl("get", "--raw", "/readyz").returncode != 0:
            dead = [p.args[0] for p in self.procs if p.poll() is not None]
            if dead or time.monotonic() > deadline:
                logs = "".join(p.read_text()[-3000:] for p in self.work.glob("*.log"))
                pytest.fail(f"API server not ready (exited: {dead})\n{logs}")
            time.sleep(1)

    def kubectl(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return run_tool("kubectl", f"--kubeconfig={self.kubeconfig}", *args, stdin=stdin)

    def stop(self) -> None:
        for p in reversed(self.procs):
            p.terminate()
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    server = ApiServer(tmp_path_factory.mktemp("apiserver"))
    try:
        server.start()
        crds = [crd(p) for p in sorted(SCHEMAS.glob("*/*/*.json"))]
        applied = server.kubectl("apply", "--server-side", "-f", "-", stdin=as_yaml(crds))
        assert applied.returncode == 0, applied.stderr
        established = ["wait", "--for=condition=Established", "crd", "--all", "--timeout=120s"]
        assert server.kubectl(*established).returncode == 0
        for namespace in sorted(set(NAMESPACES.values())):
            assert server.kubectl("create", "namespace", namespace).returncode == 0
        yield server
    finally:
        server.stop()


def as_yaml(docs: list[Doc]) -> str:
    return yaml.safe_dump_all(docs, sort_keys=False)


def dry_run(api: ApiServer, manifest: str) -> subprocess.CompletedProcess[str]:
    args = ["apply", "--server-side", "--dry-run=server", "--field-manager=pushnode-test"]
    return api.kubectl(*args, "-f", "-", stdin=manifest)


@pytest.mark.parametrize("example", EXAMPLES)
def test_the_api_server_accepts_every_resource_of_every_example(
    api: ApiServer, example: str
) -> None:
    out = dry_run(api, helm_template(example))
    assert out.returncode == 0, out.stderr
    rendered = [d for d in yaml.safe_load_all(helm_template(example)) if d]
    accepted = [line for line in out.stdout.splitlines() if "serverside-applied" in line]
    assert len(accepted) == len(rendered), out.stdout


def test_the_api_server_refuses_an_unknown_field_a_broken_cel_rule_and_a_bad_enum(
    api: ApiServer,
) -> None:
    deployment = copy.deepcopy(of_kind("production-full", "Deployment")["gateway"])
    deployment["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {}
    cluster = copy.deepcopy(of_kind("production-full", "Cluster")["pushnode-db"])
    cluster["spec"]["imageCatalogRef"] = {
        "apiGroup": "postgresql.cnpg.io",
        "kind": "ImageCatalog",
        "name": "catalog",
        "major": 17,
    }
    pool = copy.deepcopy(of_kind("production", "KafkaNodePool")["brokers"])
    pool["spec"]["roles"] = ["leader"]
    for broken, expected in (
        (deployment, "livenesProbe"),
        (cluster, "imageCatalogRef"),
        (pool, "leader"),
    ):
        out = dry_run(api, as_yaml([broken]))
        assert out.returncode != 0 and expected in out.stderr, (expected, out.stderr)
