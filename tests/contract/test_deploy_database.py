"""Where DATABASE_URL comes from: a Secret you create (dev) or a CloudNativePG Cluster.

The Cluster is checked against CloudNativePG 1.27.0's CRD, taken from its Go module
(schemas/regenerate.py). DATABASE_URL is expanded the way the kubelet expands $(VAR) references,
with each Secret value replaced by a placeholder: no secret value is in the repository.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
import yaml

from tests.contract.test_deploy_support import (
    EXAMPLES,
    SERVICES,
    Doc,
    assert_refused,
    container,
    crd_problems,
    crd_rules_in_force,
    crd_schema_path,
    helm_template,
    init_containers,
    of_kind,
    render,
)

# The CEL rules (x-kubernetes-validations) of the CRDs that apply to our resources, translated
# by hand since no CEL engine runs here. A rule that applies and is missing fails the test.
CEL: dict[str, Callable[[Doc], bool]] = {
    "!(has(self.imageCatalogRef) && has(self.imageName))": lambda s: (
        not ("imageCatalogRef" in s and "imageName" in s)
    ),
    "!has(self.builtinLocale) || self.localeProvider == 'builtin'": lambda s: (
        "builtinLocale" not in s or s.get("localeProvider") == "builtin"
    ),
    "!has(self.icuLocale) || self.localeProvider == 'icu'": lambda s: (
        "icuLocale" not in s or s.get("localeProvider") == "icu"
    ),
    "!has(self.icuRules) || self.localeProvider == 'icu'": lambda s: (
        "icuRules" not in s or s.get("localeProvider") == "icu"
    ),
}


def cel_problems(docs: list[Doc]) -> list[str]:
    problems = []
    for doc in docs:
        for path, rule, value in crd_rules_in_force(doc):
            check = CEL.get(rule)
            if check is None:
                problems.append(f"{doc['kind']} {path}: no translation of CEL rule {rule}")
            elif not check(value):
                problems.append(f"{doc['kind']} {path}: breaks {rule}")
    return problems


def placeholder(secret: str, key: str) -> str:
    return f"secret~{secret}~{key}"


def expanded_env(c: Doc) -> dict[str, str]:
    """The container's env as the kubelet sets it: $(VAR) expands only to a variable defined
    earlier in the list; an undefined reference stays as written."""
    values: dict[str, str] = {}
    for entry in c.get("env", []):
        if "value" in entry:
            values[entry["name"]] = re.sub(
                r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)",
                lambda m: values.get(m.group(1), m.group(0)),
                entry["value"],
            )
        elif "secretKeyRef" in entry.get("valueFrom", {}):
            ref = entry["valueFrom"]["secretKeyRef"]
            values[entry["name"]] = placeholder(ref["name"], ref["key"])
    return values


def database_urls(example: str) -> dict[tuple[str, str], str]:
    """DATABASE_URL of every service container and every migrate init container."""
    urls = {}
    for name, deployment in of_kind(example, "Deployment").items():
        for c in (container(deployment), init_containers(deployment)["migrate"]):
            urls[name, c["name"]] = expanded_env(c)["DATABASE_URL"]
    return urls


def test_dev_reads_database_url_from_the_secret_you_create() -> None:
    assert not of_kind("dev", "Cluster")
    urls = database_urls("dev")
    assert set(urls.values()) == {placeholder("pushnode-database", "url")}, urls


def test_production_builds_database_url_for_its_cloudnative_pg_cluster() -> None:
    (cluster,) = of_kind("production-full", "Cluster").values()
    name, initdb = cluster["metadata"]["name"], cluster["spec"]["bootstrap"]["initdb"]
    for (service, c), url in database_urls("production-full").items():
        parts = urlsplit(url)
        assert parts.scheme == "postgresql+asyncpg", (service, c)
        # Each service connects as its own role with the password of its own Secret; the
        # operator serves the primary as Service <cluster>-rw.
        assert parts.username == service, (service, c)
        assert parts.password == placeholder(f"pushnode-db-{service}", "password"), (service, c)
        assert (parts.hostname, parts.port) == (f"{name}-rw", 5432), (service, c)
        assert parts.path == f"/{initdb['database']}", (service, c)


def test_each_service_has_a_managed_role_that_may_create_its_own_tables_and_no_more() -> None:
    (cluster,) = of_kind("production-full", "Cluster").values()
    roles = {r["name"]: r for r in cluster["spec"]["managed"]["roles"]}
    assert sorted(roles) == SERVICES
    for name, role in roles.items():
        assert role["passwordSecret"] == {"name": f"pushnode-db-{name}"}, name
        assert role["login"] is True and role["ensure"] == "present", name
        assert not any(role[k] for k in ("superuser", "createdb", "createrole", "inherit")), name
    sql = cluster["spec"]["bootstrap"]["initdb"]["postInitApplicationSQL"]
    for name in SERVICES:
        assert f"GRANT USAGE, CREATE ON SCHEMA public TO {name}" in sql, name
    assert not [line for line in sql if "SELECT" in line.upper() or "ALL" in line.upper()]


def test_without_a_role_per_service_every_service_is_the_owner_of_the_app_secret() -> None:
    rendered = helm_template("production-full", "--set", "cloudnativePG.rolePerService=false")
    (cluster,) = [d for d in yaml.safe_load_all(rendered) if d and d["kind"] == "Cluster"]
    assert "managed" not in cluster["spec"]
    owner = cluster["spec"]["bootstrap"]["initdb"]["owner"]
    gateway = [d for d in yaml.safe_load_all(rendered) if d and d["metadata"]["name"] == "gateway"]
    (deployment,) = [d for d in gateway if d["kind"] == "Deployment"]
    url = urlsplit(expanded_env(container(deployment))["DATABASE_URL"])
    assert url.username == owner
    assert url.password == placeholder("pushnode-db-app", "password")


def test_the_expansion_leaves_a_reference_to_a_later_variable_unexpanded() -> None:
    deployment = copy.deepcopy(of_kind("production-full", "Deployment")["validator"])
    env = container(deployment)["env"]
    assert [e["name"] for e in env[:2]] == ["PUSHNODE_DB_PASSWORD", "DATABASE_URL"]
    deployment["spec"]["template"]["spec"]["containers"][0]["env"] = [env[1], env[0], *env[2:]]
    url = expanded_env(container(deployment))["DATABASE_URL"]
    assert "$(PUSHNODE_DB_PASSWORD)" in url and "secret~" not in url


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_cloudnative_pg_resource_passes_its_crd_schema(example: str) -> None:
    docs = [d for d in render(example) if d["apiVersion"].startswith("postgresql.cnpg.io/")]
    assert {d["kind"] for d in docs} <= {"Cluster"}
    problems = [p for d in docs for p in crd_problems(d)]
    assert not problems, "\n".join(problems)


def test_the_cluster_schema_refuses_a_typo_a_wrong_type_too_few_instances_and_a_new_api() -> None:
    good: Doc = of_kind("production-full", "Cluster")["pushnode-db"]
    typo = copy.deepcopy(good)
    typo["spec"]["storage"]["sise"] = typo["spec"]["storage"].pop("size")
    wrong_type = copy.deepcopy(good)
    wrong_type["spec"]["instances"] = "3"
    none = copy.deepcopy(good)
    none["spec"]["instances"] = 0
    new_api = {**copy.deepcopy(good), "apiVersion": "postgresql.cnpg.io/v2"}
    assert_refused(
        {
            "sise": typo,
            "is not of type 'integer'": wrong_type,
            "less than the minimum of 1": none,
            "no CRD schema": new_api,
        }
    )


def test_production_runs_three_postgres_instances_on_a_pinned_image() -> None:
    (cluster,) = of_kind("production-full", "Cluster").values()
    assert cluster["spec"]["instances"] == 3
    assert re.fullmatch(
        r"ghcr\.io/cloudnative-pg/postgresql:\d+\.\d+", cluster["spec"]["imageName"]
    )


def custom_resources(example: str) -> list[Doc]:
    return [d for d in render(example) if crd_schema_path(d["apiVersion"], d["kind"]).exists()]


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_crd_cel_rule_that_applies_to_our_resources_holds(example: str) -> None:
    assert cel_problems(custom_resources(example)) == []


def test_the_cel_check_sees_a_broken_rule_and_one_it_cannot_read() -> None:
    cluster = copy.deepcopy(of_kind("production-full", "Cluster")["pushnode-db"])
    cluster["spec"]["imageCatalogRef"] = {"apiGroup": "postgresql.cnpg.io", "kind": "ImageCatalog"}
    problems = cel_problems([cluster])
    assert "Cluster /spec: breaks !(has(self.imageCatalogRef) && has(self.imageName))" in problems
    assert any("no translation of CEL rule self.kind ==" in p for p in problems), problems
