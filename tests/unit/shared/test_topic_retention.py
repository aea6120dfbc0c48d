"""Retention per topic: the log that rebuilds state is complete; per-device records are bounded."""

from __future__ import annotations

from pushnode_shared.protocol.topics import CATALOGUE, DEAD_LETTERS, DELIVERIES, UNLIMITED

BOUNDED = {DELIVERIES.name, DEAD_LETTERS.name}


def test_every_topic_that_rebuilds_state_keeps_every_record() -> None:
    complete = {t.name for t in CATALOGUE if t.config()["retention.ms"] == str(UNLIMITED)}
    assert complete == {t.name for t in CATALOGUE} - BOUNDED


def test_deliveries_and_dead_letters_are_kept_for_a_week_and_a_month() -> None:
    assert DELIVERIES.config()["retention.ms"] == str(7 * 24 * 3600 * 1000)
    assert DEAD_LETTERS.config()["retention.ms"] == str(30 * 24 * 3600 * 1000)
