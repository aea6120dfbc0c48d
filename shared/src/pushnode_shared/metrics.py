"""Prometheus metrics every service exports on /metrics."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

EVENTS_CONSUMED = Counter(
    "pushnode_events_consumed_total", "Records handled by a consumer", ["consumer", "topic", "type"]
)
EVENTS_PUBLISHED = Counter(
    "pushnode_events_published_total", "Envelopes produced", ["producer", "topic", "type"]
)
DEAD_LETTERED = Counter(
    "pushnode_events_dead_lettered_total", "Records parked on dead-letters", ["consumer", "reason"]
)
CONSUMER_LAG = Gauge(
    "pushnode_consumer_lag", "Records between position and end", ["consumer", "topic", "partition"]
)
BATCH_SECONDS = Histogram(
    "pushnode_batch_seconds", "Time to handle and commit one consumer batch", ["consumer"]
)
