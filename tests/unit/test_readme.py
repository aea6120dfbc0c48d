"""The README tells the truth: its commands, topic table and signed message match the code."""

from __future__ import annotations

import re
from importlib.metadata import entry_points
from pathlib import Path

from pushnode_shared.protocol.signatures import device_registration_message
from pushnode_shared.protocol.topics import CATALOGUE

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()
MAKEFILE = (Path(__file__).resolve().parents[2] / "Makefile").read_text()


def test_the_readme_opens_with_the_two_commands() -> None:
    first_block = README.split("```sh", 1)[1].split("```", 1)[0]
    assert re.search(r"^make up\b", first_block, re.M)
    assert re.search(r"^make test\b", first_block, re.M)


def test_every_make_target_the_readme_names_exists() -> None:
    named = set(re.findall(r"`make ([a-z-]+)`", README))
    targets = set(re.findall(r"^([a-z-]+(?: [a-z-]+)*):", MAKEFILE, re.M))
    defined = {t for line in targets for t in line.split()}
    assert named, "the README names no make targets"
    assert named <= defined


def test_the_topic_table_matches_the_catalogue() -> None:
    rows = re.findall(r"^\| `([a-z-]+)` \| [^|]+ \| (\d+) \| ([a-z]+) \|$", README, re.M)
    assert {(name, int(parts)) for name, parts, _ in rows} == {
        (t.name, t.partitions) for t in CATALOGUE
    }


def test_the_service_table_lists_every_installed_service() -> None:
    listed = set(re.findall(r"^\| `services/([a-z]+)/` \|", README, re.M))
    assert listed == {ep.name for ep in entry_points(group="pushnode.services")}


def test_the_documented_device_message_is_the_one_the_gateway_checks() -> None:
    block = README.split("personal_sign` of exactly", 1)[1].split("```", 2)[1].strip("\n")
    rendered = device_registration_message(
        "register",
        "<lower-case 0x address>",
        "<token>",
        "<android|ios|web>",
        "<timestamp>",  # type: ignore[arg-type]
    )
    assert block == rendered


def test_a_registration_naming_its_app_signs_one_more_line() -> None:
    plain = device_registration_message("register", "0xab", "tok", "android", 1)
    with_app = device_registration_message("register", "0xab", "tok", "android", 1, "wallet-b")
    assert "`app: <app>`, after the timestamp line" in README
    assert with_app == plain + "\napp: wallet-b"
