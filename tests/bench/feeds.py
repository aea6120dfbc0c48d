"""Scenario "feeds": GET /apis/v1/users/{caip}/feeds latency over a large feed projection.

The projection is filled in PostgreSQL directly (generate_series): `--feeds-wallets` wallets
(1,000,000 by default) and `--feeds-notifications` notifications (100,000), each reaching
`--feeds-fanout` wallets (10), so 1,000,000 feed rows, one per recipient as the gateway stores
targeted and subset notifications. Figure: p50/p99 of the real endpoint (FastAPI app in-process
over httpx, the gateway's own queries, PostgreSQL) for random wallets. Ceiling: the same page
and count read with raw SQL on the same database, in the same run.

Broadcasts are not modelled separately: the gateway still keeps one row per recipient (read-time
fan-out over subscription intervals is not built yet), so 1,000,000 subscribers x broadcasts
would be that many rows.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

import httpx
import psycopg

from pushnode_gateway.app import create_app
from pushnode_gateway.bootstrap import MIGRATIONS
from pushnode_gateway.config import Settings
from pushnode_gateway.sockets import FeedSockets
from pushnode_shared.db import Database
from pushnode_shared.runtime import Readiness
from pushnode_shared.testing import InMemoryProducer
from tests.bench.harness import Row

PG_ADMIN = "postgresql://pushnode:pushnode@127.0.0.1:55432/pushnode"
PG_USER = "pushnode:pushnode@127.0.0.1:55432"


def wallet(n: int) -> str:
    return "0x" + f"{n:040x}"


def fill(url: str, wallets: int, notifications: int, fanout: int) -> None:
    """Feed rows: notification i reaches wallets (i * 7919 + k * 104729) mod wallets."""
    item = (
        "json_build_object('sid', n::text, 'epoch', to_char(ts, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
        " 'payload', json_build_object('data', json_build_object('asub', 'bench', 'type', '4'),"
        " 'notification', json_build_object('title', 't', 'body', 'b')))::text"
    )
    sql = f"""
        INSERT INTO gateway_feeds (recipient, notification_id, channel, spam, epoch, item)
        SELECT '0x' || lpad(to_hex(((n * 7919 + k * 104729) % {wallets})::int), 40, '0'),
               lpad(n::text, 12, '0'), '0x' || lpad(to_hex(n % 50), 40, '0'), k % 5 = 0,
               to_char(ts, 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), {item}
        FROM generate_series(0, {notifications - 1}) AS n,
             generate_series(0, {fanout - 1}) AS k,
             LATERAL (SELECT timestamp '2026-01-01' + n * interval '1 second' AS ts) t
        ON CONFLICT DO NOTHING
    """
    with psycopg.connect(url, autocommit=True) as conn:
        started = time.perf_counter()
        conn.execute(sql)
        conn.execute("ANALYZE gateway_feeds")
        rows = conn.execute("SELECT count(*) FROM gateway_feeds").fetchone()
        took = time.perf_counter() - started
        print(f"[bench] {rows[0] if rows else 0:,} feed rows in {took:.0f}s", file=sys.stderr)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def raw_read_ms(url: str, wallets: list[str]) -> list[float]:
    """The ceiling: the same newest-first page and count, straight SQL, one connection."""
    took = []
    with psycopg.connect(url) as conn:
        for w in wallets:
            started = time.perf_counter()
            conn.execute(
                "SELECT count(*) FROM gateway_feeds WHERE recipient = %s AND spam = false", (w,)
            ).fetchone()
            conn.execute(
                "SELECT item FROM gateway_feeds WHERE recipient = %s AND spam = false"
                " ORDER BY epoch DESC, notification_id DESC LIMIT 10",
                (w,),
            ).fetchall()
            took.append((time.perf_counter() - started) * 1000)
    return took


async def scenario(args: argparse.Namespace) -> list[Row]:
    name = f"pushnode_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    database = Database(f"postgresql+asyncpg://{PG_USER}/{name}", "gateway", MIGRATIONS)
    await database.upgrade()
    url = f"postgresql://{PG_USER}/{name}"
    fill(url, args.feeds_wallets, args.feeds_notifications, args.feeds_fanout)
    rng = random.Random(7)
    sample = [wallet(rng.randrange(args.feeds_wallets)) for _ in range(args.feeds_reads)]
    settings = Settings(PUSHNODE_DATA_DIR=Path("var/bench"))  # type: ignore[call-arg]
    app = create_app(settings, InMemoryProducer(), database, FeedSockets(), Readiness())
    took: list[float] = []
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://gateway"
    ) as http:
        for w in sample:
            started = time.perf_counter()
            response = await http.get(f"/apis/v1/users/eip155:11155111:{w}/feeds")
            took.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text
    await database.dispose()
    ceiling = raw_read_ms(url, sample)
    rows = args.feeds_notifications * args.feeds_fanout
    return [
        Row("feeds", f"feed read p50 ({rows:,} rows)", statistics.median(took), "ms", "-", None),
        Row(
            "feeds",
            f"feed read p99 ({args.feeds_wallets:,} wallets)",
            percentile(took, 0.99),
            "ms",
            "<= 20",
            percentile(ceiling, 0.99),
        ),
        Row(
            "feeds", "raw SQL page+count p99 (ceiling)", percentile(ceiling, 0.99), "ms", "-", None
        ),
    ]
