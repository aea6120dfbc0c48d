"""The operator's `pushnode` commands against the running node: topics and dead-letters."""

from __future__ import annotations

from pushnode_shared.protocol.topics import CATALOGUE
from tests.e2e.conftest import RunningNode


def test_topics_list_shows_every_catalogue_topic_with_its_partitions(node: RunningNode) -> None:
    lines = node.pushnode("topics", "list").splitlines()
    rows = {line.split()[0]: line.split()[1:3] for line in lines[1:]}
    assert set(rows) == {t.name for t in CATALOGUE}
    for topic in CATALOGUE:
        partitions, records = rows[topic.name]
        assert int(partitions) == topic.partitions, topic.name
        assert int(records.replace(",", "")) >= 0


def test_dlq_list_answers_with_a_count_line(node: RunningNode) -> None:
    last = node.pushnode("dlq", "list").splitlines()[-1]
    assert last.endswith("parked") and "record(s)" in last
