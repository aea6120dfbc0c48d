"""The push-apps component gives the dispatcher its apps file, mounted from a Secret, and the
README's apps example names only files under that mount."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from tests.contract.test_deploy_support import K8S, REPO, container, env_of, kustomize

MOUNT = "/var/run/secrets/pushnode/apps"


def production_with_push_apps(tmp_path: Path) -> dict[str, object]:
    """The dispatcher Deployment of production plus the push-apps component."""
    overlay = os.path.relpath(K8S / "overlays" / "production", tmp_path)
    component = os.path.relpath(K8S / "components" / "push-apps", tmp_path)
    (tmp_path / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        f"resources:\n  - {overlay}\ncomponents:\n  - {component}\n"
    )
    docs = kustomize(tmp_path)
    (dispatcher,) = [
        d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "dispatcher"
    ]
    return dispatcher


def test_the_component_mounts_the_apps_secret_and_points_the_dispatcher_at_its_file(
    tmp_path: Path,
) -> None:
    dispatcher = production_with_push_apps(tmp_path)
    pod = dispatcher["spec"]["template"]["spec"]  # type: ignore[index]
    main = container(dispatcher)
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["name"]: m for m in main["volumeMounts"]}

    assert env_of(main)["DISPATCHER_APPS_FILE"]["value"] == f"{MOUNT}/apps.json"
    assert volumes["push-apps"]["secret"]["secretName"] == "pushnode-push-apps"
    assert mounts["push-apps"]["mountPath"] == MOUNT and mounts["push-apps"]["readOnly"]
    # The single-app FCM setting of production stays: it is the default app.
    assert "DISPATCHER_FCM_SERVICE_ACCOUNT" in env_of(main)


def test_the_readme_example_names_files_under_the_mount() -> None:
    readme = (REPO / "services" / "dispatcher" / "README.md").read_text()
    example = json.loads(readme.split("### Apps", 1)[1].split("```json", 1)[1].split("```", 1)[0])
    paths = re.findall(r'"(/[^"]+)"', json.dumps(example))
    assert paths and all(p.startswith(MOUNT + "/") for p in paths)
