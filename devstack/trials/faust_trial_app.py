"""The faust-streaming trial's worker: a changelog-backed table counting records per key.

Run by test_faust_trial.py as `faust -A devstack.trials.faust_trial_app worker`;
configured by TRIAL_* environment variables. It is the validator's shape in miniature:
state (the table) changed by each record, which must count each record exactly once.
"""

from __future__ import annotations

import os

import faust

app = faust.App(
    os.environ["TRIAL_APP"],
    broker=f"kafka://{os.environ['TRIAL_KAFKA']}",
    store="memory://",
    processing_guarantee=os.environ.get("TRIAL_GUARANTEE", "exactly_once"),
    topic_partitions=3,
    web_port=int(os.environ.get("TRIAL_WEB_PORT", "6066")),
    datadir=os.environ["TRIAL_DATADIR"],
    # The validator's aiokafka consumer is evicted 10 s after it dies; give faust the same
    # (its default, 60 s, would stall every rebalance after a SIGKILL for a minute).
    broker_session_timeout=10.0,
)
source = app.topic(os.environ["TRIAL_TOPIC"], key_type=str, value_type=str, partitions=3)
counts = app.Table("counts", default=int, partitions=3)


@app.agent(source)
async def count(stream: faust.StreamT[str]) -> None:
    """One increment per record."""
    async for key, _ in stream.items():
        counts[key] += 1
