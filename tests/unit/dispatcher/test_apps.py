"""Several apps per node: credentials by file path from an apps file, each app its own clients."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from pushnode_dispatcher.apps import DEFAULT, configured_apps
from pushnode_dispatcher.config import Settings
from pushnode_dispatcher.domain import Provider
from pushnode_dispatcher.providers import providers

REPO_ROOT = Path(__file__).resolve().parents[3]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from devstack.emulators.service_account import make_service_account  # noqa: E402

TOKEN_URI = "http://127.0.0.1:9/token"


def apps_file(tmp_path: Path, content: dict[str, Any]) -> Path:
    path = tmp_path / "apps.json"
    path.write_text(json.dumps(content))
    return path


def fcm_app(tmp_path: Path, project: str) -> dict[str, Any]:
    account = make_service_account(tmp_path / f"{project}.json", TOKEN_URI, project)
    return {"fcm": {"service_account": str(account)}}


def test_without_an_apps_file_the_settings_are_the_one_default_app(tmp_path: Path) -> None:
    account = make_service_account(tmp_path / "sa.json", TOKEN_URI, "p-default")
    apps = configured_apps(Settings(fcm_service_account=account))
    assert set(apps) == {DEFAULT}
    assert apps[DEFAULT].fcm is not None and apps[DEFAULT].fcm.service_account == account


def test_named_apps_come_from_the_file_next_to_the_settings_default(tmp_path: Path) -> None:
    account = make_service_account(tmp_path / "sa.json", TOKEN_URI, "p-default")
    path = apps_file(tmp_path, {"apps": {"a": fcm_app(tmp_path, "p-a")}})
    apps = configured_apps(Settings(fcm_service_account=account, apps_file=path))
    assert set(apps) == {DEFAULT, "a"}
    assert apps["a"].label == "a"


def test_the_file_may_name_its_default_app(tmp_path: Path) -> None:
    path = apps_file(tmp_path, {"default": "a", "apps": {"a": fcm_app(tmp_path, "p-a")}})
    apps = configured_apps(Settings(apps_file=path))
    assert apps[DEFAULT] is apps["a"]


def test_two_defaults_are_refused(tmp_path: Path) -> None:
    account = make_service_account(tmp_path / "sa.json", TOKEN_URI, "p-default")
    path = apps_file(tmp_path, {"default": "a", "apps": {"a": fcm_app(tmp_path, "p-a")}})
    with pytest.raises(ValueError, match="keep one of the two"):
        configured_apps(Settings(fcm_service_account=account, apps_file=path))


def test_a_default_that_is_no_app_is_refused(tmp_path: Path) -> None:
    path = apps_file(tmp_path, {"default": "z", "apps": {"a": fcm_app(tmp_path, "p-a")}})
    with pytest.raises(ValueError, match="not a valid apps file"):
        configured_apps(Settings(apps_file=path))


def test_a_bad_apps_file_names_the_field_never_the_value(tmp_path: Path) -> None:
    # Someone pasted a key where a path belongs: the error must not repeat it.
    pasted = "-----BEGIN PRIVATE KEY-----MIIEvQIBADANBgkqhkiG9w0B"
    path = apps_file(tmp_path, {"apps": {"a": {"fcm": {"service_account": {"key": pasted}}}}})
    with pytest.raises(ValueError) as refused:
        configured_apps(Settings(apps_file=path))
    assert "apps.a.fcm.service_account" in str(refused.value)
    assert pasted not in str(refused.value)


async def test_each_app_gets_its_own_clients_breakers_and_readiness_checks(
    tmp_path: Path,
) -> None:
    account = make_service_account(tmp_path / "sa.json", TOKEN_URI, "p-default")
    apps = {"a": fcm_app(tmp_path, "p-a"), "b": fcm_app(tmp_path, "p-b")}
    settings = Settings(fcm_service_account=account, apps_file=apps_file(tmp_path, {"apps": apps}))
    wired = providers(settings)
    try:
        fcm = {name: pushers[Provider.FCM] for name, pushers in wired.apps.items()}
        labels = {check: breaker.app for check, breaker in wired.breakers.items()}
    finally:
        for close in wired.closers:
            await close()

    assert len({id(pusher) for pusher in fcm.values()}) == 3
    assert labels == {
        "credentials:fcm": "p-default",
        "credentials:fcm:a": "a",
        "credentials:fcm:b": "b",
    }


async def test_a_default_named_in_the_file_is_one_client_checked_under_its_name(
    tmp_path: Path,
) -> None:
    path = apps_file(tmp_path, {"default": "a", "apps": {"a": fcm_app(tmp_path, "p-a")}})
    wired = providers(Settings(apps_file=path))
    for close in wired.closers:
        await close()
    assert wired.apps[DEFAULT] is wired.apps["a"]
    assert set(wired.breakers) == {"credentials:fcm:a"}
