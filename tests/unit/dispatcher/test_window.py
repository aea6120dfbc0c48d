"""A notification's pushes: claimed before they leave, never more claimed than in flight, and
a failing push stops the rest from leaving."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import sqlalchemy as sa

from pushnode_dispatcher.adapters import db as tables
from pushnode_dispatcher.adapters.sendlog import IN_FLIGHT, SendLog
from pushnode_dispatcher.domain import Outcome, Provider, SendOutcome, Target
from pushnode_dispatcher.handlers.window import Settler, send_all
from pushnode_shared.infra.consumer import HandlerContext
from pushnode_shared.infra.db import Database

TARGETS = [Target("0xa11ce", f"tok-{n:02d}", Provider.FCM, "android") for n in range(10)]


class CountingLog(SendLog):
    """The send log, counting the pushes it was asked to claim."""

    def __init__(self) -> None:
        super().__init__(None)
        self.claimed = 0

    async def claim(self, session: Any, nid: str, targets: Any, attempt: int) -> None:
        await super().claim(session, nid, targets, attempt)
        self.claimed += len(targets)


async def claimed_unanswered(db: Database) -> int:
    async with db.transaction() as session:
        query = sa.select(sa.func.count()).where(tables.sends.c.outcome == IN_FLIGHT)
        return int((await session.execute(query)).scalar_one())


async def test_every_answer_is_logged_in_order_and_no_more_are_claimed_than_in_flight(
    db: Database,
) -> None:
    log, started, ahead = CountingLog(), [], []
    async with db.transaction() as session:
        settler = Settler(log, HandlerContext(session=session, replay=False), "n-1", 1)

        async def push(target: Target) -> SendOutcome:
            started.append(target)
            ahead.append(log.claimed - len(started))  # claimed, not yet handed out
            await asyncio.sleep(0)
            return SendOutcome(Outcome.DELIVERED, target.token)

        answers = await send_all(TARGETS, push, settler, concurrency=3)

    assert [outcome.detail for _, outcome in answers] == [t.token for t in TARGETS]
    assert max(ahead) < 3
    assert await claimed_unanswered(db) == 0


async def test_a_failing_push_stops_the_others_from_handing_out_more(db: Database) -> None:
    pushed: list[str] = []

    async def push(target: Target) -> SendOutcome:
        pushed.append(target.token)
        await asyncio.sleep(0)
        if target.token == "tok-02":
            raise RuntimeError("the database went away")
        await asyncio.sleep(0.01)
        return SendOutcome(Outcome.DELIVERED)

    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            ctx = HandlerContext(session=session, replay=False)
            await send_all(TARGETS, push, Settler(SendLog(None), ctx, "n", 1), concurrency=2)
    await asyncio.sleep(0.05)  # any worker left running would push again by now

    # tok-02 failed while at most one other push was out; nothing left after that.
    assert "tok-02" in pushed and len(pushed) <= 4
