"""The sender's log of hand-offs: the idempotency record per (notification, device).

A push is claimed (committed as `sending`) before it goes out and settled (committed with the
provider's whole answer) right after, each in a transaction of its own, never in the consumer
batch's transaction: a SIGKILL mid-batch rolls the batch back, but not what was sent. The
replayed batch then finds every settled device and publishes its facts again from the log
(same event ids) instead of pushing it again. Only a device whose claim has no answer yet was
in flight when the process died; it is pushed again, with the same collapse key, tag and
topic, so the device replaces rather than adds the copy.

On SQLite (the single-process dev fallback) the log writes through the batch's own session:
SQLite cannot commit a second writer under an open batch transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from prometheus_client import Counter
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from pushnode_dispatcher.adapters.db import sends
from pushnode_dispatcher.domain import Outcome, Provider, SendOutcome, Target
from pushnode_shared.infra.db import Database

__all__ = ["IN_FLIGHT", "SendLog", "Sent"]

IN_FLIGHT = "sending"
# Rows per INSERT statement: under PostgreSQL's 32,767 bind parameters at 10 columns a row.
UPSERT_ROWS = 1000


@dataclass(frozen=True, slots=True)
class Sent:
    """The log's row for one (notification, device): the latest attempt and its answer."""

    target: Target
    attempts: int
    outcome: str
    detail: str
    error_code: str | None
    retry_after: float | None

    @property
    def in_flight(self) -> bool:
        """Claimed but never answered: the process died while this push was out."""
        return self.outcome == IN_FLIGHT

    @property
    def delivered(self) -> bool:
        return self.outcome == Outcome.DELIVERED.value

    def answer(self) -> SendOutcome:
        """The recorded answer as the provider client gave it."""
        return SendOutcome(
            Outcome(self.outcome),
            self.detail,
            retry_after=self.retry_after,
            error_code=self.error_code,
        )


class SendLog:
    """Claims and settles pushes in their own transactions (or the batch's, on SQLite)."""

    def __init__(self, database: Database | None) -> None:
        self.database = database

    @classmethod
    def for_database(cls, database: Database) -> SendLog:
        own = not database.url.startswith("sqlite")
        return cls(database if own else None)

    async def get(self, session: AsyncSession, nid: str, token: str) -> Sent | None:
        where = (sends.c.notification_id == nid) & (sends.c.device_token == token)
        row = (await session.execute(sa.select(sends).where(where))).first()
        return None if row is None else _sent(row)

    async def all_of(self, session: AsyncSession, nid: str) -> dict[str, Sent]:
        """Every device's row for one notification, by token: one query, not one per device."""
        rows = await session.execute(sa.select(sends).where(sends.c.notification_id == nid))
        return {row.device_token: _sent(row) for row in rows}

    async def claim(
        self, session: AsyncSession, nid: str, targets: Sequence[Target], attempt: int
    ) -> None:
        """Mark the pushes about to go out, committed before any of them leaves."""
        rows = [
            {
                "notification_id": nid,
                "device_token": t.token,
                "outcome": IN_FLIGHT,
                "attempts": attempt,
                "wallet": t.wallet,
                "provider": t.provider.value,
                "platform": t.platform,
                "detail": None,
                "error_code": None,
                "retry_after": None,
            }
            for t in targets
        ]
        await self._write(session, rows)

    async def settle(
        self,
        session: AsyncSession,
        nid: str,
        answers: Sequence[tuple[Target, SendOutcome]],
        attempt: int,
    ) -> None:
        """Record the providers' answers, committed before any fact about them is published."""
        rows = [
            {
                "notification_id": nid,
                "device_token": t.token,
                "outcome": outcome.kind.value,
                "attempts": attempt,
                "wallet": t.wallet,
                "provider": t.provider.value,
                "platform": t.platform,
                "detail": outcome.detail or (outcome.message_name or ""),
                "error_code": outcome.error_code,
                "retry_after": outcome.retry_after,
            }
            for t, outcome in answers
        ]
        await self._write(session, rows)
        ANSWERS_LOGGED.inc(len(rows))

    async def _write(self, session: AsyncSession, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        if self.database is None:
            await _upsert(session, rows)
            return
        async with self.database.transaction() as own:
            await _upsert(own, rows)


# Answers written to the log (committed, on PostgreSQL): one answered but not yet logged
# when the process dies is pushed again after the restart ("in doubt").
ANSWERS_LOGGED = Counter(
    "pushnode_dispatcher_answers_logged_total", "Provider answers recorded in the send log"
)
# What a claim or an answer overwrites in an existing row (a retry's claim, a claim's answer).
UPDATED = ("outcome", "attempts", "detail", "error_code", "retry_after")


async def _upsert(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """INSERT … ON CONFLICT DO UPDATE of many rows (PostgreSQL and SQLite alike).

    One statement executed with many parameter sets, not a VALUES list per call: a VALUES
    list of another length is another statement for SQLAlchemy to compile (about 10 ms of
    CPU each), and answers come in batches of every length.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(sends)
    update = {name: statement.excluded[name] for name in UPDATED}
    upsert = statement.on_conflict_do_update(
        index_elements=[sends.c.notification_id, sends.c.device_token], set_=update
    )
    for start in range(0, len(rows), UPSERT_ROWS):
        await session.execute(upsert, rows[start : start + UPSERT_ROWS])


def _sent(row: Any) -> Sent:
    target = Target(
        row.wallet or "", row.device_token, Provider(row.provider or "fcm"), row.platform or ""
    )
    detail = row.detail or ""
    return Sent(target, row.attempts, row.outcome, detail, row.error_code, row.retry_after)
