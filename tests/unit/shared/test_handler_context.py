"""The handler context's one extension point: writes registered before the commit run when
the consumer flushes, one per key; buffered rows go through it in one call per batch."""

from __future__ import annotations

from typing import cast

from sqlalchemy.ext.asyncio import AsyncSession

from pushnode_shared.infra.context import HandlerContext


def context() -> HandlerContext:
    return HandlerContext(session=cast(AsyncSession, None), replay=False)  # never touched here


async def test_a_write_registered_before_the_commit_runs_when_the_consumer_flushes() -> None:
    ctx, ran = context(), []

    async def write() -> None:
        ran.append("verdicts")

    ctx.before_commit("verdicts", write)
    assert ran == []
    await ctx.flush()
    assert ran == ["verdicts"]


async def test_the_first_write_registered_under_a_key_is_the_one_kept() -> None:
    ctx, ran = context(), []

    async def first() -> None:
        ran.append("first")

    async def second() -> None:
        ran.append("second")

    ctx.before_commit("verdicts", first)
    ctx.before_commit("verdicts", second)
    await ctx.flush()
    assert ran == ["first"]


async def test_buffered_rows_are_written_in_one_call_and_only_once() -> None:
    ctx, calls = context(), []

    async def insert(rows: list[int]) -> None:
        calls.append(rows)

    ctx.buffer("feeds", insert).extend([1, 2])
    ctx.buffer("feeds", insert).append(3)
    await ctx.flush()
    await ctx.flush()
    assert calls == [[1, 2, 3]]


async def test_the_rows_of_a_discarded_record_are_never_written() -> None:
    ctx, calls = context(), []

    async def insert(rows: list[int]) -> None:
        calls.append(rows)

    ctx.buffer("feeds", insert).append(1)
    ctx.discard()
    await ctx.flush()
    assert calls == []
