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
DECISIONS = Counter(
    "pushnode_decisions_total",
    "Events appended to protocol-decisions, by type and reason code",
    ["decision", "reason"],
)
IPFS_PUT_SECONDS = Histogram(
    "pushnode_ipfs_put_seconds",
    "Time for kubo to store and pin one block",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
HTTP_SECONDS = Histogram(
    "pushnode_http_request_seconds",
    "HTTP request latency by route template, method and status",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
SOCKET_CONNECTIONS = Gauge(
    "pushnode_socket_connections", "Open socket.io connections on this process", ["kind"]
)
