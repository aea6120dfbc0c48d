"""One notification's pushes, `concurrency` in flight, each claimed in the send log first.

Claims go in blocks of `concurrency` (one committed INSERT each) and a block is claimed only
once the previous one has been handed out in full, so no more pushes are claimed-but-unsent
at any time than fit in flight (a crash resends at most those, as "in doubt"). There is no
barrier on answers: a push leaves as soon as any earlier one is answered, not once the
slowest of its chunk is. Answers are recorded as they come, many per commit.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Sequence

from pushnode_dispatcher.adapters.outcome import SendOutcome
from pushnode_dispatcher.adapters.sendlog import SendLog
from pushnode_dispatcher.domain import Target
from pushnode_shared.consumer import HandlerContext

__all__ = ["Push", "Settler", "send_all"]

Push = Callable[[Target], Awaitable[SendOutcome]]


class Settler:
    """Records answers as they arrive, many per commit: one commit runs at a time and takes
    every answer that arrived while the previous one ran. So an answered push is in the log
    within a commit or two of its answer. Claims go through the same lock: on SQLite the log
    shares the batch's session, which takes one statement at a time."""

    def __init__(self, log: SendLog, ctx: HandlerContext, nid: str, attempt: int) -> None:
        self.log, self.ctx, self.nid, self.attempt = log, ctx, nid, attempt
        self.pending: list[tuple[Target, SendOutcome]] = []
        self.lock = asyncio.Lock()

    async def claim(self, targets: Sequence[Target]) -> None:
        async with self.lock:
            await self.log.claim(self.ctx.session, self.nid, targets, self.attempt)

    async def settle(self, target: Target, outcome: SendOutcome) -> None:
        self.pending.append((target, outcome))
        await self.flush()

    async def flush(self) -> None:
        async with self.lock:
            if not self.pending:
                return  # an earlier holder of the lock took this answer along
            answers, self.pending = self.pending, []
            await self.log.settle(self.ctx.session, self.nid, answers, self.attempt)


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
            await settler.settle(targets[index], outcome)
            answers[index] = outcome

    workers = [asyncio.create_task(worker()) for _ in range(min(concurrency, len(targets)))]
    try:
        if workers:
            await asyncio.wait(workers, return_when=asyncio.FIRST_EXCEPTION)
    finally:
        # A failed worker (or a cancelled consumer) fails the batch, which is retried: the
        # other workers must stop handing out pushes now, not go on sending beside the retry.
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
    for task in workers:
        if not task.cancelled() and (error := task.exception()) is not None:
            raise error
    await settler.flush()
    return [(t, a) for t, a in zip(targets, answers, strict=True) if a is not None]
