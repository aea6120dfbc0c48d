"""A notification's category (the payload's `data.index`) judged against its subscribers'
settings: pure, on what the handler read from the validator's own fold of the log.

Targeted and subset notifications drop the subscribers held back from their recipients
(non-subscribers' spam is unchanged). A broadcast lists those it holds back
(Broadcast.held_back), or, when they are more than it can list and those it reaches are
fewer, becomes a list of those it reaches; when both are too many it is refused rather than
sent to the wrong wallets. Every consumer then applies the decision as written, so the inbox,
the sockets and the pushes leave out the same wallets live and on replay.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from pushnode_shared.protocol.events import Recipient, RejectReason
from pushnode_shared.protocol.settings import (
    BadSettings,
    Category,
    Setting,
    category_of,
    channel_settings,
    receives,
    user_settings,
)
from pushnode_validator.domain.notifications import Verdict

# The most wallets a decision lists for a category (~45 bytes each on the log).
MAX_LISTED = 10_000


@dataclass(frozen=True)
class Audience:
    """The channel's settings as Core emitted them (None: it defines none) and each subscriber
    concerned with its choice (None: the channel's defaults)."""

    settings: tuple[str, str] | None
    choices: Mapping[str, str | None]


def category_in(payload: Mapping[str, Any] | None) -> Category | None:
    """The category an accepted payload names, if any."""
    data = (payload or {}).get("data")
    return category_of(data.get("index")) if isinstance(data, dict) else None


def narrowed(verdict: Verdict, category: Category, audience: Audience) -> Verdict:
    """The verdict with its category applied (a rejection when it cannot be)."""
    try:
        defined = channel_settings(*audience.settings) if audience.settings else []
        receives(defined, None, category)  # the channel defines it, as the index says
        held = sorted(w for w, c in audience.choices.items() if not _gets(defined, c, category))
    except BadSettings as exc:
        return refused(RejectReason.BAD_PAYLOAD, f"data.index: {exc}")
    if not verdict.broadcast:
        kept = tuple(r for r in verdict.recipients if r.spam or r.address not in set(held))
        return replace(verdict, recipients=kept)
    if len(held) <= MAX_LISTED:
        return replace(verdict, held_back=tuple(held))
    reached = sorted(set(audience.choices) - set(held))
    if len(reached) <= MAX_LISTED:
        listed = tuple(Recipient(address=w, spam=False) for w in reached)
        return replace(verdict, broadcast=False, recipients=listed)
    return refused(
        RejectReason.CATEGORY_TOO_WIDE,
        f"category {category.index} holds back {len(held)} subscribers and reaches "
        f"{len(reached)}: a decision lists at most {MAX_LISTED}",
    )


def _gets(defined: list[Setting], chosen: str | None, category: Category) -> bool:
    try:
        choices = user_settings(defined, chosen) if chosen else None
    except BadSettings:  # a choice that no longer fits the channel's settings: its defaults
        choices = None
    return receives(defined, choices, category)


def refused(reason: RejectReason, detail: str) -> Verdict:
    """A rejection for a category that cannot be applied."""
    return Verdict(accepted=False, reason=reason, detail=detail)
