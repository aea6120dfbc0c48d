"""The topic catalogue: names, partition keys, partitions and retention, in one place."""

from __future__ import annotations

import os
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

UNLIMITED = -1
DAY_MS = 24 * 60 * 60 * 1000
# Partitions of a keyed topic: the most replicas a consumer of it can spread over. Twelve
# divides among 1, 2, 3, 4 and 6 replicas evenly; PUSHNODE_TOPIC_PARTITIONS sets another
# count for topics created from now on (README: Scaling, on raising it later).
KEYED_PARTITIONS = 12

# Several dev nodes can share one broker (`make up NODES=3`): each keeps its own topics,
# consumer groups and transactional ids under its PUSHNODE_TOPIC_PREFIX (unset: none). Read
# here, once, because the catalogue's constants are what every service names its topics by.
NODE_PREFIX = os.environ.get("PUSHNODE_TOPIC_PREFIX", "")
if not re.fullmatch(r"[A-Za-z0-9._-]{0,40}", NODE_PREFIX):
    raise ValueError("PUSHNODE_TOPIC_PREFIX: up to 40 of A-Z a-z 0-9 . _ -")


def scoped(name: str) -> str:
    """This node's broker-wide name for a consumer group or transactional id."""
    return NODE_PREFIX + name


@dataclass(frozen=True)
class Topic:
    """One Kafka topic: what it carries, how it is keyed, how long it is kept."""

    name: str
    key: str
    carries: str
    partitions: int = KEYED_PARTITIONS
    retention_ms: int = UNLIMITED
    source_of_truth: bool = True

    def partitions_for(self, keyed_partitions: int | None) -> int:
        """Partitions to create: the configured count for keyed topics; one stays one."""
        if self.partitions == 1 or keyed_partitions is None:
            return self.partitions
        return keyed_partitions

    def __post_init__(self) -> None:
        if NODE_PREFIX and not self.name.startswith(NODE_PREFIX):
            object.__setattr__(self, "name", NODE_PREFIX + self.name)

    def config(self) -> dict[str, str]:
        """Broker-side topic configuration (also rendered into the KafkaTopic manifests)."""
        return {"retention.ms": str(self.retention_ms), "cleanup.policy": "delete"}


PROTOCOL_INPUTS = Topic(
    "protocol-inputs",
    key="channel (lower-case Ethereum address)",
    carries="chain events and off-chain submissions, in one per-channel order",
)
PROTOCOL_DECISIONS = Topic(
    "protocol-decisions",
    key="channel",
    carries="accepted/rejected notifications; channel and subscription facts",
)
MESSAGES_STORED = Topic(
    "messages-stored", key="channel", carries="CID and stored form of accepted messages"
)
CHAIN_CURSORS = Topic(
    "chain-cursors",
    key="chain id",
    carries="the listener's checkpoints: every log up to a block was emitted",
    partitions=1,
)
# Retention. The protocol log that rebuilds state is kept complete: protocol-inputs,
# protocol-decisions, messages-stored, uploads, users, chats, and chain-cursors (small: one
# record per range). `devices` stays complete too, as the registry's source, until device
# erasure makes it compacted with tombstones. `deliveries` (one record per device per
# notification) and `dead-letters` are time-bounded: what must outlive them is in tables, not
# the log (README: Operating, Retention).
DEVICES = Topic("devices", key="wallet", carries="signed device-token registrations and removals")
DELIVERIES = Topic(
    "deliveries",
    key="notification id",
    carries="per-device provider outcomes",
    # Longer than any retry schedule (at most attempts x 15 min) and a week of status pages.
    retention_ms=7 * DAY_MS,
)
UPLOADS = Topic(
    "uploads", key="cid", carries="content posted to /apis/v1/ipfs/upload (channel metadata)"
)
USERS = Topic("users", key="DID", carries="PGP profile registrations, key rotations, profiles")
CHATS = Topic(
    "chats",
    key="conversation (the two DIDs, sorted, joined by '+')",
    carries="chat messages as sent and as stored on IPFS; request accept/reject",
)
NODE_RECORDS = Topic(
    "node-records",
    key="origin node id",
    carries="node records of every origin held, evidence against origins, registry decisions",
    partitions=1,
)
DEAD_LETTERS = Topic(
    "dead-letters",
    key="source topic:partition",
    carries="records a consumer could not process",
    partitions=1,
    # A month for an operator to look (`pushnode dlq list`) and replay.
    retention_ms=30 * DAY_MS,
    source_of_truth=False,
)

CATALOGUE: tuple[Topic, ...] = (
    PROTOCOL_INPUTS,
    PROTOCOL_DECISIONS,
    MESSAGES_STORED,
    CHAIN_CURSORS,
    DEVICES,
    DELIVERIES,
    UPLOADS,
    USERS,
    CHATS,
    NODE_RECORDS,
    DEAD_LETTERS,
)


class _Subscriber(Protocol):
    @property
    def topics(self) -> Sequence[Topic]: ...


class _Wired(Protocol):
    @property
    def consumers(self) -> Sequence[_Subscriber]: ...


_Settings = TypeVar("_Settings")
_Node = TypeVar("_Node", bound=_Wired)


@dataclass(frozen=True)
class ServiceTopics:
    """What one service reads from and writes to the log: its README row, later its ACLs.

    Each bootstrap declares one as `TOPICS`; `checked` makes the service refuse to start when
    its consumers subscribe to anything else, and tests/unit/test_readme_services.py checks
    `produces` against the topics its code publishes to and the README table against both.
    """

    consumes: tuple[Topic, ...]
    produces: tuple[Topic, ...]

    @property
    def writes(self) -> tuple[Topic, ...]:
        """Every topic the service writes: its own, and dead letters (any consumer parks there)."""
        return (*self.produces, DEAD_LETTERS)

    def mismatch(self, node: _Wired) -> str | None:
        """Why the consumers a bootstrap wired differ from `consumes`, or None when they agree."""
        wired = {topic.name for spec in node.consumers for topic in spec.topics}
        declared = {topic.name for topic in self.consumes}
        if wired == declared:
            return None
        return f"consumers subscribe {sorted(wired)}, TOPICS.consumes says {sorted(declared)}"

    def checked(
        self, bootstrap: Callable[[_Settings], Awaitable[_Node]]
    ) -> Callable[[_Settings], Awaitable[_Node]]:
        """The bootstrap, failing when what it wires drifts from this declaration."""

        async def wire(settings: _Settings) -> _Node:
            node = await bootstrap(settings)
            if (why := self.mismatch(node)) is not None:
                raise RuntimeError(f"{bootstrap.__module__}: {why}")
            return node

        return wire


def by_name(name: str) -> Topic:
    """Look a topic up by name; KeyError for a topic the catalogue does not declare."""
    for topic in CATALOGUE:
        if topic.name == name:
            return topic
    raise KeyError(name)


def channel_key(address: str) -> str:
    """Partition key for the protocol streams: the bare, lower-case channel address."""
    return address.split(":")[-1].lower()
