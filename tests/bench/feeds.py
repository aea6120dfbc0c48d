"""Scenario "feeds": GET /apis/v1/users/{caip}/feeds latency over a large feed projection.

The projection is filled in PostgreSQL directly (generate_series): `--feeds-wallets` wallets
(1,000,000 by default) and `--feeds-notifications` notifications (100,000), each reaching
`--feeds-fanout` wallets (10), so 1,000,000 feed rows, one per recipient as the gateway stores
targeted and subset notifications. Figure: p50/p99 of the real endpoint (FastAPI app in-process
over httpx, the gateway's own queries, PostgreSQL) for random wallets. Ceiling: the same page
and count read with raw SQL on the same database, in the same run.

Broadcasts are one row each, read through subscription periods (adapters/inbox.py): every
wallet is subscribed to one of 50 channels (1,000,000 periods), and `--feeds-broadcasts`
broadcasts (1,000) are spread over those channels, so each read unions the wallet's own rows
with its channel's broadcasts (about 20). The ceiling reads the same union with raw SQL.
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
from pushnode_gateway.sockets.server import FeedSockets
from pushnode_shared.infra.db import Database
from pushnode_shared.infra.runtime import Readiness
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


def fill_broadcasts(url: str, wallets: int, broadcasts: int) -> None:
    """Wallet w subscribed to channel w mod 50 from position 1; broadcast i in channel i mod 50."""
    item = (
        "json_build_object('sid', 'b' || n::text,"
        " 'epoch', to_char(ts, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
        " 'payload', json_build_object('data', json_build_object('asub', 'bench', 'type', '1'),"
        " 'notification', json_build_object('title', 't', 'body', 'b'), 'recipients', ''))::text"
    )
    with psycopg.connect(url, autocommit=True) as conn:
        started = time.perf_counter()
        conn.execute(
            "INSERT INTO gateway_subscription_periods"
            " (channel, subscriber, from_position, to_position)"
            " SELECT '0x' || lpad(to_hex(w % 50), 40, '0'), '0x' || lpad(to_hex(w), 40, '0'),"
            f" 1, NULL FROM generate_series(0, {wallets - 1}) AS w"
        )
        conn.execute(
            f"""INSERT INTO gateway_broadcasts
                (notification_id, channel, position, sender, epoch, item)
            SELECT 'b' || lpad(n::text, 11, '0'), '0x' || lpad(to_hex(n % 50), 40, '0'),
                   {wallets}, '0x' || lpad(to_hex(n % 50), 40, '0'),
                   to_char(ts, 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), {item}
            FROM generate_series(0, {broadcasts - 1}) AS n,
                 LATERAL (SELECT timestamp '2026-01-01' + n * interval '100 seconds' AS ts) t"""
        )
        conn.execute("ANALYZE gateway_subscription_periods")
        conn.execute("ANALYZE gateway_broadcasts")
        took = time.perf_counter() - started
        print(
            f"[bench] {wallets:,} periods, {broadcasts:,} broadcasts in {took:.0f}s",
            file=sys.stderr,
        )


# The inbox union (adapters/inbox.py) as plain SQL, for the ceiling.
RAW_UNION = """
    SELECT item, epoch, notification_id FROM gateway_feeds WHERE recipient = %(w)s AND NOT spam
    UNION ALL
    SELECT b.item, b.epoch, b.notification_id
    FROM gateway_subscription_periods p JOIN gateway_broadcasts b ON b.channel = p.channel
    WHERE p.subscriber = %(w)s AND p.from_position <= b.position
      AND (p.to_position IS NULL OR p.to_position > b.position)
"""


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def raw_read_ms(url: str, wallets: list[str]) -> list[float]:
    """The ceiling: the same newest-first page and count, straight SQL, one connection."""
    took = []
    with psycopg.connect(url) as conn:
        for w in wallets:
            started = time.perf_counter()
            conn.execute(f"SELECT count(*) FROM ({RAW_UNION}) AS r", {"w": w}).fetchone()
            conn.execute(
                f"SELECT item FROM ({RAW_UNION}) AS r"
                " ORDER BY epoch DESC, notification_id DESC LIMIT 10",
                {"w": w},
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
    fill_broadcasts(url, args.feeds_wallets, args.feeds_broadcasts)
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
