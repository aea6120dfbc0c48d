"""Kafka as Strimzi resources: valid against Strimzi's CRDs and in step with the topic catalogue.

The schemas are Strimzi 1.2.0's v1 CRDs, generated from its Maven Central packages
(schemas/regenerate.py). The KafkaTopic resources must say what pushnode_shared.protocol.topics
says.
"""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import aiokafka.admin
import pytest
from aiokafka.errors import KafkaConnectionError

from pushnode_shared.protocol.topics import CATALOGUE, Topic, by_name
from tests.contract.test_deploy_support import (
    EXAMPLES,
    SERVICES,
    Doc,
    assert_refused,
    crd_problems,
    of_kind,
    render,
    selects,
    workloads,
)

STRIMZI = "kafka.strimzi.io/v1"
MIRROR = "KafkaMirrorMaker2"
# (replicas, min.insync.replicas) of every topic: one broker in dev, three in production.
REPLICATION = {
    "dev": (1, 1),
    "production": (3, 2),
    "production-full": (3, 2),
    "two-node-a": (1, 1),
    "two-node-b": (1, 1),
}


def topic_mismatches(docs: tuple[Doc, ...], catalogue: tuple[Topic, ...]) -> list[str]:
    """Where the KafkaTopic resources and the catalogue disagree; [] when they agree."""
    declared = {
        d["spec"].get("topicName", d["metadata"]["name"]): d["spec"]
        for d in docs
        if d["kind"] == "KafkaTopic"
    }
    problems = []
    for topic in catalogue:
        spec = declared.pop(topic.name, None)
        if spec is None:
            problems.append(f"{topic.name}: no KafkaTopic")
            continue
        if spec.get("partitions") != topic.partitions:
            problems.append(
                f"{topic.name}: {spec.get('partitions')} partitions, not {topic.partitions}"
            )
        config = {k: str(v) for k, v in spec.get("config", {}).items()}
        for key, value in topic.config().items():
            if config.get(key) != value:
                problems.append(f"{topic.name}: {key} is {config.get(key)!r}, not {value!r}")
        for key in set(config) - set(topic.config()) - {"min.insync.replicas"}:
            problems.append(f"{topic.name}: {key} is set but not in the catalogue")
    problems += [f"{name}: a KafkaTopic the catalogue does not have" for name in declared]
    return problems


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_strimzi_resource_passes_its_crd_schema(example: str) -> None:
    docs = [d for d in render(example) if d["apiVersion"].startswith("kafka.strimzi.io/")]
    assert {"Kafka", "KafkaNodePool", "KafkaTopic"} <= {d["kind"] for d in docs}
    assert {d["kind"] for d in docs} <= {"Kafka", "KafkaNodePool", "KafkaTopic", MIRROR}
    assert all(d["apiVersion"] == STRIMZI for d in docs)
    problems = [p for d in docs for p in crd_problems(d)]
    assert not problems, "\n".join(problems)


def test_the_crd_schemas_refuse_typos_wrong_types_missing_roles_and_the_removed_api() -> None:
    kafka = copy.deepcopy(of_kind("dev", "Kafka")["pushnode"])
    kafka["spec"]["kafka"]["listners"] = kafka["spec"]["kafka"].pop("listeners")
    topic = copy.deepcopy(of_kind("dev", "KafkaTopic")["protocol-inputs"])
    topic["spec"]["partitions"] = "three"
    pool = copy.deepcopy(of_kind("dev", "KafkaNodePool")["dual-role"])
    pool["spec"]["roles"] = ["leader"]
    no_roles = copy.deepcopy(pool)
    del no_roles["spec"]["roles"]
    old_api = {**copy.deepcopy(topic), "apiVersion": "kafka.strimzi.io/v1beta2"}
    bad_name = copy.deepcopy(of_kind("dev", "KafkaTopic")["devices"])
    bad_name["metadata"]["name"] = "Devices_Topic"
    assert_refused(
        {
            "listners": kafka,
            "three": topic,
            "leader": pool,
            "roles": no_roles,
            "no CRD schema": old_api,
            "DNS-1123": bad_name,
        }
    )


@pytest.mark.parametrize("example", EXAMPLES)
def test_one_kafka_topic_per_catalogue_topic_with_its_partitions_and_retention(
    example: str,
) -> None:
    problems = topic_mismatches(render(example), CATALOGUE)
    assert not problems, "\n".join(problems)


def test_the_catalogue_check_reports_each_kind_of_disagreement() -> None:
    docs = copy.deepcopy(render("dev"))
    topics = {d["metadata"]["name"]: d for d in docs if d["kind"] == "KafkaTopic"}
    topics["protocol-inputs"]["spec"]["partitions"] = 6
    topics["devices"]["spec"]["config"]["retention.ms"] = 604800000
    topics["deliveries"]["spec"]["config"]["cleanup.policy"] = "compact"
    topics["chain-cursors"]["spec"]["config"]["retention.bytes"] = "1"
    topics["dead-letters"]["metadata"]["name"] = "dead-letter"
    retention = by_name("devices").config()["retention.ms"]
    cleanup = by_name("deliveries").config()["cleanup.policy"]
    assert topic_mismatches(docs, CATALOGUE) == [
        f"protocol-inputs: 6 partitions, not {by_name('protocol-inputs').partitions}",
        "chain-cursors: retention.bytes is set but not in the catalogue",
        f"devices: retention.ms is '604800000', not {retention!r}",
        f"deliveries: cleanup.policy is 'compact', not {cleanup!r}",
        "dead-letters: no KafkaTopic",
        "dead-letter: a KafkaTopic the catalogue does not have",
    ]


@pytest.mark.parametrize("example", EXAMPLES)
def test_replication_fits_the_brokers_of_each_example(example: str) -> None:
    replicas, min_isr = REPLICATION[example]
    pools = of_kind(example, "KafkaNodePool").values()
    brokers = sum(p["spec"]["replicas"] for p in pools if "broker" in p["spec"]["roles"])
    controllers = sum(p["spec"]["replicas"] for p in pools if "controller" in p["spec"]["roles"])
    assert brokers >= replicas and controllers % 2 == 1, (brokers, controllers)
    for name, topic in of_kind(example, "KafkaTopic").items():
        assert topic["spec"]["replicas"] == replicas, name
        assert int(topic["spec"]["config"]["min.insync.replicas"]) == min_isr, name
    config = of_kind(example, "Kafka")["pushnode"]["spec"]["kafka"]["config"]
    assert config["auto.create.topics.enable"] is False
    assert config["default.replication.factor"] == replicas
    assert config["offsets.topic.replication.factor"] == replicas
    assert config["transaction.state.log.replication.factor"] == replicas
    assert config["min.insync.replicas"] == config["transaction.state.log.min.isr"] == min_isr


@pytest.mark.parametrize("example", EXAMPLES)
def test_the_services_bootstrap_is_the_strimzi_listener_only_they_may_reach(example: str) -> None:
    (kafka,) = of_kind(example, "Kafka").values()
    (listener,) = kafka["spec"]["kafka"]["listeners"]
    assert (listener["type"], listener["tls"]) == ("internal", False)
    bootstrap = of_kind(example, "ConfigMap")["pushnode-config"]["data"]["KAFKA_BOOTSTRAP"]
    assert bootstrap == f"{kafka['metadata']['name']}-kafka-bootstrap:{listener['port']}"
    for doc in [
        *of_kind(example, "KafkaNodePool").values(),
        *of_kind(example, "KafkaTopic").values(),
    ]:
        assert doc["metadata"]["labels"]["strimzi.io/cluster"] == kafka["metadata"]["name"]
    admitted = {
        name
        for name, workload in workloads(example).items()
        for peer in listener["networkPolicyPeers"]
        if selects(peer["podSelector"], workload["spec"]["template"]["metadata"]["labels"])
    }
    assert sorted(admitted) == SERVICES


def test_the_wait_for_topics_script_returns_only_once_every_catalogue_topic_exists(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    script = of_kind("dev", "ConfigMap")["pushnode-init"]["data"]["wait_for_topics.py"]
    names = [t.name for t in CATALOGUE]
    answers: list[Any] = [KafkaConnectionError("not yet"), names[:2], names]
    asked = []

    class FakeAdmin:
        def __init__(self, bootstrap_servers: str, client_id: str) -> None:
            asked.append(bootstrap_servers)

        async def start(self) -> None:
            if isinstance(answers[0], Exception):
                raise answers.pop(0)

        async def list_topics(self) -> list[str]:
            return list(answers.pop(0))

        async def close(self) -> None:
            pass

    async def no_wait(_: float) -> None:
        pass

    monkeypatch.setattr(aiokafka.admin, "AIOKafkaAdminClient", FakeAdmin)
    monkeypatch.setattr(asyncio, "sleep", no_wait)
    monkeypatch.setenv("KAFKA_BOOTSTRAP", "pushnode-kafka-bootstrap:9092")
    exec(compile(script, "wait_for_topics.py", "exec"), {"__name__": "__main__"})
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("waiting for topics: (no answer from Kafka")
    assert lines[1:] == ["waiting for topics: " + ", ".join(names[2:]), "every topic is present"]
    assert asked == ["pushnode-kafka-bootstrap:9092"] * 3 and not answers


def test_production_backs_kafka_up_by_mirroring_every_catalogue_topic_to_a_second_cluster() -> None:
    (kafka,) = of_kind("production", "Kafka").values()
    (mirror,) = of_kind("production", MIRROR).values()
    (source,) = mirror["spec"]["mirrors"]
    assert (
        source["source"]["bootstrapServers"] == f"{kafka['metadata']['name']}-kafka-bootstrap:9092"
    )
    assert sorted(source["topicsPattern"].split("|")) == sorted(t.name for t in CATALOGUE)
    assert mirror["spec"]["target"]["bootstrapServers"] != source["source"]["bootstrapServers"]
    # Its pods may reach the listener that only the services reach otherwise.
    (listener,) = kafka["spec"]["kafka"]["listeners"]
    mirror_pod = {"strimzi.io/kind": MIRROR, "strimzi.io/cluster": mirror["metadata"]["name"]}
    assert any(selects(p["podSelector"], mirror_pod) for p in listener["networkPolicyPeers"])
    assert not of_kind("dev", MIRROR)
