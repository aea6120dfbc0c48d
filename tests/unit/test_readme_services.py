"""The README's service table, each bootstrap's TOPICS and the code that publishes agree."""

from __future__ import annotations

import ast
import importlib
import re
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

from pushnode_shared.protocol import topics
from pushnode_shared.protocol.topics import CATALOGUE, CHATS, DEVICES, USERS, ServiceTopics, Topic

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
SERVICES = ("listener", "validator", "storage", "dispatcher", "gateway")
# The catalogue's constants by the name the code imports them under (CHATS -> chats).
CONSTANTS = {name: v.name for name, v in vars(topics).items() if isinstance(v, Topic)}


def bootstrap_of(service: str) -> ModuleType:
    return importlib.import_module(f"pushnode_{service}.bootstrap")


def declared(service: str) -> ServiceTopics:
    found = bootstrap_of(service).TOPICS
    assert isinstance(found, ServiceTopics)
    return found


def names(of: tuple[Topic, ...]) -> set[str]:
    return {topic.name for topic in of}


def readme_row(service: str) -> tuple[set[str], set[str]]:
    """The catalogue topics the README's consumes and produces cells name for a service."""
    row = re.search(rf"^\| `services/{service}/` \| ([^|]*) \| ([^|]*) \|", README, re.M)
    assert row, f"no README row for {service}"
    catalogue = {t.name for t in CATALOGUE}
    return tuple(  # type: ignore[return-value]
        set(re.findall(r"`([a-z-]+)`", cell)) & catalogue for cell in row.groups()
    )


def package_modules(service: str) -> list[ast.Module]:
    src = ROOT / "services" / service / "src" / f"pushnode_{service}"
    return [ast.parse(path.read_text()) for path in sorted(src.rglob("*.py"))]


def _topic(node: ast.expr) -> str | None:
    return CONSTANTS.get(node.id) if isinstance(node, ast.Name) else None


def published(service: str) -> set[str]:
    """Topics the package hands to a publish call, or pairs with a record as (topic, record…)."""
    out: set[str] = set()
    for tree in package_modules(service):
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                args = node.args
                if isinstance(node.func, ast.Name) and node.func.id == "partial" and args:
                    node, args = ast.Call(func=args[0], args=args[1:], keywords=[]), args[1:]
                func = node.func
                is_publish = isinstance(func, ast.Attribute) and func.attr == "publish"
                if is_publish and args and (name := _topic(args[0])):
                    out.add(name)
            elif isinstance(node, ast.Tuple) and len(node.elts) >= 2:
                first, second = node.elts[0], node.elts[1]
                if (name := _topic(first)) and _topic(second) is None:
                    out.add(name)
    return out


def referenced(service: str) -> set[str]:
    """Every catalogue topic the package's code names, for any purpose."""
    return {
        CONSTANTS[node.id]
        for tree in package_modules(service)
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and node.id in CONSTANTS
    }


@pytest.mark.parametrize("service", SERVICES)
async def test_each_bootstrap_wires_exactly_the_topics_it_declares(service: str) -> None:
    spec = bootstrap_of(service).SERVICE
    node = await spec.bootstrap(spec.settings())  # TOPICS.checked raises on a mismatch
    try:
        wired = {t.name for consumer in node.consumers for t in consumer.topics}
        assert wired == names(declared(service).consumes)
    finally:
        await node.resources.aclose()
        if node.producer is not None:
            await node.producer.stop()


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_declares_exactly_the_topics_its_code_publishes_to(service: str) -> None:
    assert published(service) == names(declared(service).produces)


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_names_no_topic_it_does_not_declare(service: str) -> None:
    topics_of = declared(service)
    assert referenced(service) <= names(topics_of.consumes) | names(topics_of.produces)


@pytest.mark.parametrize("service", SERVICES)
def test_the_readme_row_lists_what_the_service_declares(service: str) -> None:
    consumes, produces = readme_row(service)
    assert consumes == names(declared(service).consumes), "consumes column"
    assert produces == names(declared(service).produces), "produces column"


@dataclass
class _Consumer:
    topics: tuple[Topic, ...]


@dataclass
class _Node:
    consumers: list[_Consumer]


async def test_a_bootstrap_subscribing_an_undeclared_topic_refuses_to_start() -> None:
    async def bootstrap(settings: None) -> _Node:
        return _Node([_Consumer((USERS,)), _Consumer((CHATS,))])

    checked = ServiceTopics(consumes=(USERS,), produces=()).checked(bootstrap)
    with pytest.raises(RuntimeError, match="chats"):
        await checked(None)


async def test_a_bootstrap_missing_a_declared_topic_refuses_to_start() -> None:
    async def bootstrap(settings: None) -> _Node:
        return _Node([_Consumer((USERS,))])

    checked = ServiceTopics(consumes=(USERS, DEVICES), produces=()).checked(bootstrap)
    with pytest.raises(RuntimeError, match="devices"):
        await checked(None)


def test_every_service_may_write_dead_letters() -> None:
    for service in SERVICES:
        assert topics.DEAD_LETTERS in declared(service).writes


def architecture_rows() -> dict[str, tuple[set[str], set[str]]]:
    """docs/architecture.md's topic table: topic -> (services writing it, services reading it)."""
    text = (ROOT / "docs" / "architecture.md").read_text()
    rows = re.findall(r"^\| `([a-z-]+)` \([^)]*\) \| ([^|]*) \| ([^|]*) \|$", text, re.M)
    named = re.compile("|".join(SERVICES))
    return {
        topic: (set(named.findall(writers)), set(named.findall(readers)))
        for topic, writers, readers in rows
    }


def test_the_architecture_page_lists_who_writes_and_reads_each_topic() -> None:
    expected = {
        topic.name: (
            {s for s in SERVICES if topic in declared(s).produces},
            {s for s in SERVICES if topic in declared(s).consumes},
        )
        for topic in CATALOGUE
        if topic is not topics.DEAD_LETTERS  # every consumer writes it: no per-service row
    }
    rows = architecture_rows()
    assert rows.pop(topics.DEAD_LETTERS.name) == (set(), set())
    assert rows == expected
