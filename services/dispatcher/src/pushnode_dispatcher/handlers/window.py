"""One notification's pushes, `concurrency` in flight, each claimed in the send log first.

Claims go in blocks of `concurrency` (one committed INSERT each) and a block is claimed only
once the previous one has been handed out in full, so no more pushes are claimed-but-unsent
at any time than fit in flight (a crash resends at most those, as "in doubt"). There is no
barrier on answers: a push leaves as soon as any earlier one is answered, not once the
slowest of its chunk is. Answers are recorded in the background, many per commit.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

from pushnode_dispatcher.adapters.sendlog import SendLog
from pushnode_dispatcher.domain import SendOutcome, Target
from pushnode_shared.infra.consumer import HandlerContext

__all__ = ["Push", "Settler", "send_all"]

Push = Callable[[Target], Awaitable[SendOutcome]]


class Settler:
    """Records answers in the background, many per commit: while one commit runs, every answer
    that comes in waits for the next, so the commits keep up with any rate and a push never
    waits for the log to leave (its claim already guards it). An answered push is in the log
    within a commit or two of its answer. Claims go through the same lock: on SQLite the log
    shares the batch's session, which takes one statement at a time."""

    def __init__(self, log: SendLog, ctx: HandlerContext, nid: str, attempt: int) -> None:
        self.log, self.ctx, self.nid, self.attempt = log, ctx, nid, attempt
        self.pending: list[tuple[Target, SendOutcome]] = []
        self.lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._closed = False
        self._writer: asyncio.Task[None] | None = None

    async def claim(self, targets: Sequence[Target]) -> None:
        async with self.lock:
            await self.log.claim(self.ctx.session, self.nid, targets, self.attempt)

    def settle(self, target: Target, outcome: SendOutcome) -> None:
        """Queue an answer for the log; raises the error that stopped the log's writer."""
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_while_open())
        elif self._writer.done():
            self._writer.result()  # the write failed: fail this push's batch too
        self.pending.append((target, outcome))
        self._wake.set()

    async def close(self) -> None:
        """Every queued answer committed (or the write's error raised)."""
        self._closed = True
        self._wake.set()
        if self._writer is not None:
            await self._writer
        await self.flush()

    async def abort(self) -> None:
        """The batch failed: still log what was answered (its retry then does not resend
        those), as far as the log can be written; the batch's own error is what counts."""
        self._closed = True
        self._wake.set()
        if self._writer is not None:
            await asyncio.gather(self._writer, return_exceptions=True)
        with contextlib.suppress(Exception):
            await self.flush()

    async def flush(self) -> None:
        async with self.lock:
            if not self.pending:
                return
            answers, self.pending = self.pending, []
            await self.log.settle(self.ctx.session, self.nid, answers, self.attempt)

    async def _write_while_open(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            await self.flush()
            if self._closed and not self.pending:
                return


async def send_all(
    targets: Sequence[Target], push: Push, settler: Settler, concurrency: int
) -> list[tuple[Target, SendOutcome]]:
    """Every target's answer, in the targets' order; the log holds each before this returns."""
    answers: list[SendOutcome | None] = [None] * len(targets)
    claimed: deque[int] = deque()
    unclaimed = iter(range(len(targets)))
    handing_out = asyncio.Lock()

    async def next_index() -> int | None:
        async with handing_out:
            if not claimed:
                block = [i for _, i in zip(range(concurrency), unclaimed, strict=False)]
                if not block:
                    return None
                await settler.claim([targets[i] for i in block])
                claimed.extend(block)
            return claimed.popleft()

    async def worker() -> None:
        while (index := await next_index()) is not None:
            outcome = await push(targets[index])
            settler.settle(targets[index], outcome)
            answers[index] = outcome

    try:
        await _all_or_none([worker() for _ in range(min(concurrency, len(targets)))])
    except BaseException:
        await settler.abort()
        raise
    await settler.close()
    return [(t, a) for t, a in zip(targets, answers, strict=True) if a is not None]


async def _all_or_none(work: list[Coroutine[Any, Any, None]]) -> None:
    """Run all; at the first failure (or if cancelled) stop the rest, then raise it.

    A failed worker fails the batch, which the consumer retries: the other workers must stop
    handing out pushes at once, not go on sending beside the retry.
    """
    tasks = [asyncio.create_task(w) for w in work]
    try:
        if tasks:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    for task in tasks:
        if not task.cancelled() and (error := task.exception()) is not None:
            raise error
