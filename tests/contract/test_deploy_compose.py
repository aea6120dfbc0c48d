"""docker-compose.yml and the Dockerfile agree with the code, the dev stack and the manifests.

`docker-compose config` validates, interpolates and normalises the compose file without an
engine; the rules below read its JSON output. hadolint checks the Dockerfile.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from tests.contract.test_deploy_support import (
    CHART,
    REPO,
    SERVICES,
    compose,
    compose_config,
    default_port,
    devstack_var,
    run_tool,
    sdk_local_chains,
    settings_class,
)

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
    var = devstack_var
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


def test_service_names_agree_across_entry_points_the_chart_compose_and_service_folders() -> None:
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    in_chart = sorted(values["services"])
    in_compose = sorted(
        n for n, s in compose()["services"].items() if (s.get("command") or [""])[0] == "run"
    )
    folders = sorted(p.parent.name for p in (REPO / "services").glob("*/pyproject.toml"))
    assert SERVICES == in_chart == in_compose == folders


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


def test_each_compose_service_logs_in_to_postgres_as_its_own_role_made_by_the_roles_job() -> None:
    services = compose()["services"]
    roles = services["roles"]
    assert roles["restart"] == "no"
    (mount,) = roles["volumes"]
    assert Path(mount["source"]) == REPO / "devstack" / "postgres" / "roles.sql"
    assert mount["target"] in roles["command"]
    for name in SERVICES:
        svc = services[name]
        url = svc["environment"][f"{name.upper()}_DATABASE_URL"]
        assert url.startswith(f"postgresql+asyncpg://{name}:{name}@postgres:5432/"), name
        assert svc["depends_on"]["roles"]["condition"] == "service_completed_successfully", name
