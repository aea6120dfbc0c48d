"""Each provider app is rate limited under its quota, and refused credentials stop its sends."""

from __future__ import annotations

import time

from pushnode_dispatcher.adapters.guards import (
    CREDENTIALS_HELD,
    CredentialBreaker,
    GuardedPusher,
    TokenBucket,
)
from pushnode_dispatcher.domain import Outcome, PushContent, SendOutcome
from pushnode_dispatcher.testing import FakeClock, FakePusher

CONTENT = PushContent("n", "bafk", "0xc", {"notification": {"title": "T"}})
REFUSED = SendOutcome(Outcome.CREDENTIALS, "auth", error_code="THIRD_PARTY_AUTH_ERROR")


async def test_the_bucket_lets_a_burst_through_then_holds_to_the_rate() -> None:
    bucket = TokenBucket(rate=200.0, burst=10)
    started = time.monotonic()
    for _ in range(10):
        await bucket.take()
    burst = time.monotonic() - started
    for _ in range(40):
        await bucket.take()
    total = time.monotonic() - started

    assert burst < 0.05
    assert 0.18 <= total < 0.6  # 40 more at 200/s


def guarded(pusher: FakePusher, clock: FakeClock) -> GuardedPusher:
    breaker = CredentialBreaker("fcm", "project-1", cooldown=60.0, clock=clock)
    return GuardedPusher(pusher, TokenBucket(1e6), breaker)


async def test_refused_credentials_stop_the_apps_sends_and_readiness_says_so() -> None:
    clock, provider = FakeClock(1000.0), FakePusher(REFUSED)
    guard = guarded(provider, clock)

    first = await guard.push(CONTENT, "a")
    held = await guard.push(CONTENT, "b")
    ready, detail = await guard.breaker.check()

    assert first.kind is Outcome.CREDENTIALS and first.retry_after == 60.0
    assert held.kind is Outcome.RETRY and held.error_code == CREDENTIALS_HELD
    assert len(provider.pushes) == 1  # the held push never reached the provider
    assert not ready and "THIRD_PARTY_AUTH_ERROR" in detail


async def test_one_probe_per_cooldown_and_an_accepted_probe_reopens_sends() -> None:
    clock, provider = FakeClock(1000.0), FakePusher(REFUSED, REFUSED)
    guard = guarded(provider, clock)
    await guard.push(CONTENT, "a")

    clock.advance(61)
    still_refused = await guard.push(CONTENT, "probe-1")
    clock.advance(30)
    held = await guard.push(CONTENT, "b")
    clock.advance(31)
    accepted = await guard.push(CONTENT, "probe-2")
    after = await guard.push(CONTENT, "c")

    assert still_refused.kind is Outcome.CREDENTIALS and held.kind is Outcome.RETRY
    assert accepted.kind is Outcome.DELIVERED and after.kind is Outcome.DELIVERED
    assert len(provider.pushes) == 4
    assert (await guard.breaker.check())[0]


async def test_a_dead_token_or_bad_request_does_not_trip_the_breaker() -> None:
    clock = FakeClock(1000.0)
    dead, bad = SendOutcome(Outcome.DROP_TOKEN, "gone"), SendOutcome(Outcome.BAD_REQUEST, "x")
    provider = FakePusher(dead, bad)
    guard = guarded(provider, clock)
    for token in ("a", "b", "c"):
        await guard.push(CONTENT, token)
    assert len(provider.pushes) == 3 and not guard.breaker.open
