"""Fakes of the dispatcher's ports, shipped beside them for every suite that needs one.

`FakePusher` stands in for a provider (the `Pusher` port in domain); `FakeClock` for the
wall clock the provider clients and guards take (`Callable[[], float]`, like `time.time`).
Nothing in the product imports this module (the import-linter contracts say so).
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from pushnode_dispatcher.domain import Outcome, PushContent, SendOutcome

__all__ = ["FakeClock", "FakePusher"]


class FakePusher:
    """Answers from a script, then DROP_TOKEN for a dead token and DELIVERED for any other;
    remembers every push it was asked for, in order."""

    def __init__(self, *answers: SendOutcome, dead: Iterable[str] = ()) -> None:
        self.answers = list(answers)
        self.dead = set(dead)
        self.pushes: list[tuple[PushContent, str]] = []

    @property
    def pushed(self) -> list[tuple[str, str]]:
        """(notification id, token) of every push, in order."""
        return [(content.notification_id, token) for content, token in self.pushes]

    def kill(self, token: str) -> None:
        """From now on the provider says this token is gone (the app was uninstalled)."""
        self.dead.add(token)

    async def push(self, content: PushContent, token: str) -> SendOutcome:
        self.pushes.append((content, token))
        if self.answers:
            return self.answers.pop(0)
        if token in self.dead:
            return SendOutcome(Outcome.DROP_TOKEN, "Unregistered", error_code="UNREGISTERED")
        return SendOutcome(Outcome.DELIVERED)


class FakeClock:
    """Seconds since the epoch, as `time.time` gives them, moving only when told to."""

    def __init__(self, now: float | None = None) -> None:
        self.now = time.time() if now is None else now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
