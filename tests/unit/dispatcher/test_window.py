"""A notification's pushes: claimed before they leave, never more claimed than in flight, and
a failing push stops the rest from leaving."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa

from pushnode_dispatcher.adapters import db as tables
from pushnode_dispatcher.adapters.outcome import Outcome, SendOutcome
from pushnode_dispatcher.adapters.sendlog import IN_FLIGHT, SendLog
from pushnode_dispatcher.domain import Provider, Target
from pushnode_dispatcher.window import Settler, send_all
from pushnode_shared.consumer import HandlerContext
from pushnode_shared.db import Database

TARGETS = [Target("0xa11ce", f"tok-{n:02d}", Provider.FCM, "android") for n in range(10)]


async def claimed_unanswered(ctx: HandlerContext) -> int:
    query = sa.select(sa.func.count()).where(tables.sends.c.outcome == IN_FLIGHT)
    return int((await ctx.session.execute(query)).scalar_one())


async def test_every_answer_comes_back_in_order_and_no_more_are_claimed_than_in_flight(
    db: Database,
) -> None:
    seen: list[int] = []
    async with db.transaction() as session:
        ctx = HandlerContext(session=session, replay=False)
        settler = Settler(SendLog(None), ctx, "n-1", 1)

        async def push(target: Target) -> SendOutcome:
            seen.append(await claimed_unanswered(ctx))
            await asyncio.sleep(0)
            return SendOutcome(Outcome.DELIVERED, target.token)

        answers = await send_all(TARGETS, push, settler, concurrency=3)
        left = await claimed_unanswered(ctx)

    assert [outcome.detail for _, outcome in answers] == [t.token for t in TARGETS]
    assert max(seen) <= 3 and left == 0


async def test_a_failing_push_stops_the_others_from_handing_out_more(db: Database) -> None:
    pushed: list[str] = []
    async with db.transaction() as session:
        settler = Settler(SendLog(None), HandlerContext(session=session, replay=False), "n", 1)

        async def push(target: Target) -> SendOutcome:
            pushed.append(target.token)
            await asyncio.sleep(0)
            if target.token == "tok-02":
                raise RuntimeError("the database went away")
            await asyncio.sleep(0.01)
            return SendOutcome(Outcome.DELIVERED)

        with pytest.raises(RuntimeError):
            await send_all(TARGETS, push, settler, concurrency=2)
        await asyncio.sleep(0.05)  # any worker left running would push again by now

    # tok-02 failed while at most one other push was out; nothing left after that.
    assert "tok-02" in pushed and len(pushed) <= 4
