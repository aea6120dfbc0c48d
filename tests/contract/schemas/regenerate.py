"""Rebuild the CRD schemas under this folder from registry packages (a maintainer's step).

The deploy tests validate Strimzi and CloudNativePG resources offline against these files. They
come from packages, not from a catalogue on the web:

- Strimzi: the `io.strimzi:api` classes run through Strimzi's own `io.strimzi:crd-generator`
  (both from Maven Central, resolved by strimzi-crds.pom.xml), with the arguments of Strimzi's
  build (api/pom.xml). Strimzi 1.x is compiled for Java 21: pass --java to a JDK 21 or newer.
- CloudNativePG: the CRD that ships in the Go module github.com/cloudnative-pg/cloudnative-pg
  (config/crd/bases), fetched by `go mod download` and checked against the Go checksum database.
- Prometheus Operator: the CRDs that ship in the Go module
  github.com/prometheus-operator/prometheus-operator (example/prometheus-operator-crd-full),
  fetched the same way.

Only each version's openAPIV3Schema is kept, without its `description` texts.

    python tests/contract/schemas/regenerate.py --java /usr/lib/jvm/temurin-25-jdk-amd64/bin/java
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
STRIMZI_VERSION = "1.2.0"
CNPG_MODULE = "github.com/cloudnative-pg/cloudnative-pg"
CNPG_VERSION = "v1.27.0"
STRIMZI_KINDS = {
    "Kafka": "io.strimzi.api.kafka.model.kafka.Kafka",
    "KafkaNodePool": "io.strimzi.api.kafka.model.nodepool.KafkaNodePool",
    "KafkaTopic": "io.strimzi.api.kafka.model.topic.KafkaTopic",
    "KafkaMirrorMaker2": "io.strimzi.api.kafka.model.mirrormaker2.KafkaMirrorMaker2",
}
CNPG_CRDS = {"Cluster": "config/crd/bases/postgresql.cnpg.io_clusters.yaml"}
PROMETHEUS_MODULE = "github.com/prometheus-operator/prometheus-operator"
PROMETHEUS_VERSION = "v0.85.0"
PROMETHEUS_CRDS = {
    kind: f"example/prometheus-operator-crd-full/monitoring.coreos.com_{plural}.yaml"
    for kind, plural in (("PrometheusRule", "prometheusrules"), ("PodMonitor", "podmonitors"))
}


def strimzi_crds(java: str, work: Path) -> dict[str, Path]:
    """Generate the v1 CRDs as Strimzi's build does; returns kind -> CRD file."""
    classpath = work / "classpath.txt"
    subprocess.run(
        ["mvn", "-q", "-f", str(HERE / "strimzi-crds.pom.xml"), "dependency:build-classpath",
         f"-Dmdep.outputFile={classpath}"],
        check=True,
    )  # fmt: skip
    out = {kind: work / f"{kind}.yaml" for kind in STRIMZI_KINDS}
    subprocess.run(
        [java, "-cp", classpath.read_text().strip(), "io.strimzi.crdgenerator.CrdGenerator",
         "--crd-api-version", "v1", "--api-versions", "v1", "--storage-version", "v1", "--yaml",
         *(f"{cls}={out[kind]}" for kind, cls in STRIMZI_KINDS.items())],
        check=True,
    )  # fmt: skip
    return out


def go_module_crds(module: str, version: str, files: dict[str, str]) -> dict[str, Path]:
    """CRD files shipped in a Go module (checked against the checksum database); kind -> file."""
    found = subprocess.run(
        ["go", "mod", "download", "-json", f"{module}@{version}"],
        check=True,
        capture_output=True,
        text=True,
    )
    root = Path(json.loads(found.stdout)["Dir"])
    return {kind: root / path for kind, path in files.items()}


def without_descriptions(node: Any) -> Any:
    """The schema minus its `description` texts (a property named description stays)."""
    if isinstance(node, dict):
        return {
            k: without_descriptions(v)
            for k, v in node.items()
            if not (k == "description" and isinstance(v, str))
        }
    if isinstance(node, list):
        return [without_descriptions(v) for v in node]
    return node


def write_schemas(crd_file: Path, source: str) -> list[Path]:
    """One JSON file per served version: <group>/<version>/<Kind>.json."""
    crd = yaml.safe_load(crd_file.read_text())
    group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
    written = []
    for version in crd["spec"]["versions"]:
        if not version.get("served", True):
            continue
        schema = without_descriptions(version["schema"]["openAPIV3Schema"])
        schema = {"$comment": f"{kind} {group}/{version['name']} from {source}", **schema}
        path = HERE / group / version["name"] / f"{kind}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(schema, indent=1, sort_keys=True) + "\n")
        written.append(path)
    return written


def main() -> None:
    """Regenerate every schema file; prints what it wrote."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--java", default="java", help="a java of version 21 or newer")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sources = [
            (path, f"Maven Central io.strimzi:api:{STRIMZI_VERSION} via crd-generator")
            for path in strimzi_crds(args.java, Path(tmp)).values()
        ]
        for module, version, files in (
            (CNPG_MODULE, CNPG_VERSION, CNPG_CRDS),
            (PROMETHEUS_MODULE, PROMETHEUS_VERSION, PROMETHEUS_CRDS),
        ):
            sources += [
                (path, f"Go module {module}@{version} {files[kind]}")
                for kind, path in go_module_crds(module, version, files).items()
            ]
        for path, source in sources:
            for written in write_schemas(path, source):
                print(written.relative_to(HERE))


if __name__ == "__main__":
    main()
