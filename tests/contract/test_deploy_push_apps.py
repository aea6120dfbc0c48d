"""secrets.pushApps gives the dispatcher its apps file, mounted from a Secret, and the
README's apps example names only files under that mount."""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from tests.contract.test_deploy_support import REPO, container, env_of, helm_template

MOUNT = "/var/run/secrets/pushnode/apps"


def production_with_push_apps() -> Any:
    """The dispatcher Deployment of production with secrets.pushApps set."""
    rendered = helm_template("production", "--set", "secrets.pushApps=pushnode-push-apps")
    (dispatcher,) = [
        d
        for d in yaml.safe_load_all(rendered)
        if d and d["kind"] == "Deployment" and d["metadata"]["name"] == "dispatcher"
    ]
    return dispatcher


def test_the_apps_secret_is_mounted_and_the_dispatcher_pointed_at_its_file() -> None:
    dispatcher = production_with_push_apps()
    pod = dispatcher["spec"]["template"]["spec"]
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
